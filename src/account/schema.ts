// The user's own SQLite schema. Each step runs once, in order, gated by a stored version, so
// an object created by an older build upgrades itself on first use.

const STEPS: string[] = [
  `
  CREATE TABLE account (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    plan_id     TEXT NOT NULL,
    period      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE grants (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount >= 0),
    remaining     INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    spent         INTEGER NOT NULL DEFAULT 0 CHECK (spent >= 0),
    expires_at    INTEGER,
    created_at    INTEGER NOT NULL,
    closed_at     INTEGER,
    period        TEXT,
    external_ref  TEXT UNIQUE
  );
  CREATE INDEX grants_live ON grants (closed_at) WHERE closed_at IS NULL;
  CREATE TABLE transactions (
    seq              INTEGER PRIMARY KEY,
    type             TEXT NOT NULL,
    tokens           INTEGER NOT NULL,
    tokens_before    INTEGER NOT NULL,
    tokens_after     INTEGER NOT NULL,
    at               INTEGER NOT NULL,
    agent            TEXT,
    model            TEXT,
    input_tokens     INTEGER,
    output_tokens    INTEGER,
    cost_usd_micros  INTEGER,
    cost_inr_paise   INTEGER,
    description      TEXT,
    allocations      TEXT NOT NULL,
    idem_key         TEXT
  );
  CREATE UNIQUE INDEX transactions_idem ON transactions (idem_key) WHERE idem_key IS NOT NULL;
  CREATE INDEX transactions_type ON transactions (type, seq);
  CREATE INDEX transactions_agent ON transactions (agent, seq) WHERE agent IS NOT NULL;
  CREATE TABLE daily_usage (
    day       TEXT PRIMARY KEY,
    requests  INTEGER NOT NULL,
    tokens    INTEGER NOT NULL,
    last_at   INTEGER NOT NULL
  );
  `,
  // A downgrade or cancellation waits for the next reset; non-usage rows say what they did in `detail` (JSON).
  `ALTER TABLE account ADD COLUMN pending_plan_id TEXT;
   ALTER TABLE transactions ADD COLUMN detail TEXT;`,
  // Issue 4: the decision taken for each promo redemption attempt (see promoAttempts.ts).
  `
  CREATE TABLE promo_attempts (
    attempt_id  TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('credited', 'already_redeemed', 'plan_not_allowed')),
    at          INTEGER NOT NULL
  );
  `,
  // Stripe: each processed event once; each paid checkout credited once (natural key: the session);
  // refunds by payment intent (a refund may arrive before its purchase); each subscription's state.
  `
  CREATE TABLE stripe_events (
    event_id    TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    applied_at  INTEGER NOT NULL,
    result      TEXT NOT NULL
  );
  CREATE TABLE stripe_purchases (
    session_id         TEXT PRIMARY KEY,
    payment_intent_id  TEXT UNIQUE,
    package_id         TEXT NOT NULL,
    grant_id           INTEGER NOT NULL REFERENCES grants (id),
    tokens             INTEGER NOT NULL CHECK (tokens > 0),
    amount_paise       INTEGER NOT NULL CHECK (amount_paise >= 0),
    credited_at        INTEGER NOT NULL
  );
  CREATE TABLE stripe_refunds (
    payment_intent_id    TEXT PRIMARY KEY,
    charge_id            TEXT NOT NULL,
    charge_amount_paise  INTEGER NOT NULL CHECK (charge_amount_paise > 0),
    refunded_paise       INTEGER NOT NULL CHECK (refunded_paise >= 0 AND refunded_paise <= charge_amount_paise),
    tokens_taken         INTEGER NOT NULL DEFAULT 0 CHECK (tokens_taken >= 0),
    updated_at           INTEGER NOT NULL
  );
  CREATE TABLE stripe_subscriptions (
    subscription_id  TEXT PRIMARY KEY,
    plan_id          TEXT NOT NULL,
    status           TEXT NOT NULL,
    paid_from        INTEGER,
    paid_through     INTEGER,
    last_event_at    INTEGER NOT NULL,
    ended_at         INTEGER,
    updated_at       INTEGER NOT NULL
  );
  `,
  // Usage rolled up by day, agent and model, so analytics read a few rows per day rather than the
  // whole log; existing usage is folded in. Usage idempotency keys get their own namespace ('u:'),
  // apart from the keys of credits and plan changes.
  `
  CREATE TABLE usage_rollup (
    day              TEXT NOT NULL,
    agent            TEXT NOT NULL,
    model            TEXT NOT NULL,
    requests         INTEGER NOT NULL,
    tokens           INTEGER NOT NULL,
    input_tokens     INTEGER NOT NULL,
    output_tokens    INTEGER NOT NULL,
    cost_usd_micros  INTEGER NOT NULL,
    cost_inr_paise   INTEGER NOT NULL,
    PRIMARY KEY (day, agent, model)
  ) WITHOUT ROWID;
  INSERT INTO usage_rollup
    SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch'), agent, model, COUNT(*), -SUM(tokens), SUM(input_tokens),
           SUM(output_tokens), SUM(cost_usd_micros), SUM(cost_inr_paise)
    FROM transactions WHERE type = 'usage' GROUP BY 1, 2, 3;
  UPDATE transactions SET idem_key = 'u:' || idem_key WHERE type = 'usage' AND idem_key IS NOT NULL;
  `,
  // Idempotency keys stored once, in their own table: the unique index on transactions.idem_key
  // kept a second copy of every key, ~40 of the ~210 bytes a usage row cost (README, "Benchmark").
  // The emptied column stays, always NULL (one byte a row): ALTER TABLE … DROP COLUMN cost every
  // new object ~120 KB more SQLite memory, and fewer live objects fit in a local workerd.
  `
  CREATE TABLE idempotency_keys (
    key  TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO idempotency_keys SELECT idem_key, seq FROM transactions WHERE idem_key IS NOT NULL;
  DROP INDEX transactions_idem;
  UPDATE transactions SET idem_key = NULL WHERE idem_key IS NOT NULL;
  `,
];

export function migrateAccountSchema(sql: SqlStorage, storage: DurableObjectStorage): void {
  storage.transactionSync(() => {
    sql.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = sql.exec<{ version: number }>('SELECT version FROM schema_version').toArray()[0];
    const current = row?.version ?? 0;
    for (let step = current; step < STEPS.length; step++) sql.exec(STEPS[step]!);
    if (!row) sql.exec('INSERT INTO schema_version (version) VALUES (?)', STEPS.length);
    else if (current !== STEPS.length) sql.exec('UPDATE schema_version SET version = ?', STEPS.length);
  });
}
