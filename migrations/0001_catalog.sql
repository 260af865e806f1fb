-- The shared catalog: everything every user's object reads, nothing any single user owns.
-- Money is integer: model prices in micro-USD per million tokens, INR prices in paise.

CREATE TABLE models (
  id                              TEXT PRIMARY KEY,
  name                            TEXT NOT NULL,
  input_usd_micros_per_mtok       INTEGER NOT NULL CHECK (input_usd_micros_per_mtok > 0),
  output_usd_micros_per_mtok      INTEGER NOT NULL CHECK (output_usd_micros_per_mtok > 0),
  active                          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  updated_at                      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE plans (
  id                       TEXT PRIMARY KEY,
  name                     TEXT NOT NULL,
  tokens_per_month         INTEGER NOT NULL CHECK (tokens_per_month >= 0),
  rollover_cap_tokens      INTEGER NOT NULL CHECK (rollover_cap_tokens >= 0),
  price_paise              INTEGER NOT NULL CHECK (price_paise >= 0),
  max_tokens_per_request   INTEGER NOT NULL CHECK (max_tokens_per_request > 0),
  max_requests_per_day     INTEGER NOT NULL CHECK (max_requests_per_day > 0),
  features                 TEXT NOT NULL DEFAULT '[]',
  sort_order               INTEGER NOT NULL DEFAULT 0,
  active                   INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  updated_at               TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE packages (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  tokens           INTEGER NOT NULL CHECK (tokens > 0),
  price_paise      INTEGER NOT NULL CHECK (price_paise > 0),
  validity_months  INTEGER NOT NULL CHECK (validity_months > 0),
  popular          INTEGER NOT NULL DEFAULT 0 CHECK (popular IN (0, 1)),
  features         TEXT NOT NULL DEFAULT '[]',
  sort_order       INTEGER NOT NULL DEFAULT 0,
  active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Codes are stored upper-case and trimmed; lookups normalise the same way.
CREATE TABLE promo_codes (
  code                 TEXT PRIMARY KEY,
  bonus_tokens         INTEGER NOT NULL CHECK (bonus_tokens > 0),
  max_redemptions      INTEGER CHECK (max_redemptions IS NULL OR max_redemptions > 0),
  redeemed_count       INTEGER NOT NULL DEFAULT 0 CHECK (redeemed_count >= 0),
  valid_from           TEXT,
  valid_until          TEXT,
  grant_validity_days  INTEGER CHECK (grant_validity_days IS NULL OR grant_validity_days > 0),
  allowed_plans        TEXT,
  active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);

-- Published list prices (USD per million tokens): Haiku 4.5 $1 / $5, Sonnet 4.5 $3 / $15, Opus 4.5 $5 / $25.
INSERT INTO models (id, name, input_usd_micros_per_mtok, output_usd_micros_per_mtok) VALUES
  ('haiku',  'Claude Haiku',  1000000,  5000000),
  ('sonnet', 'Claude Sonnet', 3000000, 15000000),
  ('opus',   'Claude Opus',   5000000, 25000000);

INSERT INTO plans (id, name, tokens_per_month, rollover_cap_tokens, price_paise, max_tokens_per_request, max_requests_per_day, features, sort_order) VALUES
  ('free',        'Free Tier',  10000,   5000,     0,  8192,  100, '["10,000 tokens/month","Rollover up to 5,000 tokens","Basic support"]', 1),
  ('basic',       'Basic',      50000,  25000, 29900, 16384,  500, '["50,000 tokens/month","Rollover up to 25,000 tokens","Priority support"]', 2),
  ('pro_monthly', 'Pro',       250000, 125000, 99900, 32768, 2000, '["250,000 tokens/month","Rollover up to 125,000 tokens","Priority support","Advanced analytics"]', 3);

INSERT INTO packages (id, name, tokens, price_paise, validity_months, popular, features, sort_order) VALUES
  ('starter',   'Starter Pack',     50000,   9900,  3, 0, '["50,000 tokens","Valid for 3 months","All AI agents","Priority support"]', 1),
  ('pro',       'Pro Pack',        200000,  34900,  6, 1, '["200,000 tokens","Valid for 6 months","All AI agents","Priority support","Advanced analytics"]', 2),
  ('unlimited', 'Unlimited Pack', 1000000, 149900, 12, 0, '["1,000,000 tokens","Valid for 12 months","All AI agents","Dedicated support","Advanced analytics","Custom integrations"]', 3);

-- INR paise per US dollar: 8300 = ₹83.00.
INSERT INTO settings (key, value) VALUES ('usd_inr_paise', '8300');
