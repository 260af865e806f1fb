-- Platform analytics, fed by each user's Durable Object through its outbox (src/account/outbox/).
-- Every flush is one D1 batch: the upserts below, each guarded by the user's cursor in user_flush,
-- then the cursor itself. A batch whose rows D1 already counted changes no total, so a flush that is
-- retried, run twice, or interrupted after D1 committed never counts a row twice.
-- Days are UTC 'YYYY-MM-DD'; tokens are integers; money is µUSD and INR paise, as each ledger row
-- stored it when it happened (a later price change never rewrites these totals).

-- Usage by day × agent × model × the plan the user was on.
CREATE TABLE analytics_usage_daily (
  day              TEXT NOT NULL,
  agent            TEXT NOT NULL,
  model            TEXT NOT NULL,
  plan_id          TEXT NOT NULL,
  requests         INTEGER NOT NULL,
  input_tokens     INTEGER NOT NULL,
  output_tokens    INTEGER NOT NULL,
  tokens           INTEGER NOT NULL,
  cost_usd_micros  INTEGER NOT NULL,
  cost_inr_paise   INTEGER NOT NULL,
  PRIMARY KEY (day, agent, model, plan_id)
) WITHOUT ROWID;

-- Usage per user per day; a row with requests > 0 makes the user active that day.
CREATE TABLE analytics_user_daily (
  user_id          TEXT NOT NULL,
  day              TEXT NOT NULL,
  requests         INTEGER NOT NULL,
  input_tokens     INTEGER NOT NULL,
  output_tokens    INTEGER NOT NULL,
  tokens           INTEGER NOT NULL,
  cost_usd_micros  INTEGER NOT NULL,
  cost_inr_paise   INTEGER NOT NULL,
  PRIMARY KEY (user_id, day)
) WITHOUT ROWID;
CREATE INDEX analytics_user_daily_day ON analytics_user_daily (day);

-- Every other ledger row by day × kind (transaction type) × grant source: credits of each source
-- (monthly allowance, rollover, purchase, promo, bonus, plan-change top-ups), expiries, refunds.
-- Tokens are signed as on the ledger (credits positive, expiries and refunds negative).
CREATE TABLE analytics_ledger_daily (
  day      TEXT NOT NULL,
  kind     TEXT NOT NULL,
  source   TEXT NOT NULL,
  entries  INTEGER NOT NULL,
  tokens   INTEGER NOT NULL,
  PRIMARY KEY (day, kind, source)
) WITHOUT ROWID;

-- The same per user: a user's credits by source per day.
CREATE TABLE analytics_user_ledger_daily (
  user_id  TEXT NOT NULL,
  day      TEXT NOT NULL,
  kind     TEXT NOT NULL,
  source   TEXT NOT NULL,
  entries  INTEGER NOT NULL,
  tokens   INTEGER NOT NULL,
  PRIMARY KEY (user_id, day, kind, source)
) WITHOUT ROWID;

-- Money received by day × product: package purchases (and their refunds) and plan subscription
-- invoices, in paise. product_type is 'package' or 'plan'.
CREATE TABLE analytics_revenue_daily (
  day              TEXT NOT NULL,
  product_type     TEXT NOT NULL,
  product_id       TEXT NOT NULL,
  purchases        INTEGER NOT NULL,
  purchased_tokens INTEGER NOT NULL,
  amount_paise     INTEGER NOT NULL,
  refunds          INTEGER NOT NULL,
  refunded_tokens  INTEGER NOT NULL,
  PRIMARY KEY (day, product_type, product_id)
) WITHOUT ROWID;

-- Promo redemptions credited, by day × code.
CREATE TABLE analytics_promo_daily (
  day          TEXT NOT NULL,
  code         TEXT NOT NULL,
  redemptions  INTEGER NOT NULL,
  tokens       INTEGER NOT NULL,
  PRIMARY KEY (day, code)
) WITHOUT ROWID;

-- Each user's flush cursor: the highest outbox seq D1 has counted. Also what the object reported
-- with its last flush, for the lag figure: when its oldest still-unflushed row was written (NULL
-- when it sent everything) and how old the oldest row of the last batch was when it arrived.
CREATE TABLE analytics_user_flush (
  user_id            TEXT PRIMARY KEY,
  last_seq           INTEGER NOT NULL,
  rows_counted       INTEGER NOT NULL,
  flushed_at         INTEGER NOT NULL,
  oldest_pending_at  INTEGER,
  pending_rows       INTEGER NOT NULL,
  last_lag_ms        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX analytics_user_flush_pending ON analytics_user_flush (oldest_pending_at) WHERE oldest_pending_at IS NOT NULL;
CREATE INDEX analytics_user_flush_at ON analytics_user_flush (flushed_at);
