// The account schema as the migration chain (schema.ts) builds it at its last version, statement by
// statement as SQLite stores it, so a new object is created in one step instead of replaying every
// migration. Generated, never edited by hand: schema.ts is the source and says why each column is
// there. test/workers/account/schemaSnapshot.test.ts fails when the two differ and prints this file
// as it should be; until then new objects are built by the chain.
export const SCHEMA_SNAPSHOT = {
  version: 3,
  statements: [
    `CREATE TABLE account (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    -- JSON PlanTerms: the plan the account runs on, copied when it was last read from the catalog.
    terms         TEXT NOT NULL,
    -- JSON PlanTerms of a plan that takes over at the next reset (a scheduled downgrade), or NULL.
    pending_terms TEXT,
    -- The monthly period the account is in, 'YYYY-MM'.
    period        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    -- The user this object belongs to (the name the Worker addressed it by), for the analytics flush.
    user_id       TEXT
  , carried_through TEXT NOT NULL DEFAULT '0000-01-01', carried_requests INTEGER NOT NULL DEFAULT 0, carried_tokens INTEGER NOT NULL DEFAULT 0, carried_last_at INTEGER, closed_credited INTEGER NOT NULL DEFAULT 0, closed_spent INTEGER NOT NULL DEFAULT 0, ledger_facts_after INTEGER NOT NULL DEFAULT 0, plan_subscription_id TEXT, checkout_attempt_id TEXT, checkout_idempotency_key TEXT, checkout_until INTEGER)`,
    `CREATE TABLE grants (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    remaining   INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    spent       INTEGER NOT NULL DEFAULT 0 CHECK (spent >= 0),
    expires_at  INTEGER,
    created_at  INTEGER NOT NULL,
    closed_at   INTEGER,
    period      TEXT
  )`,
    `CREATE INDEX grants_live ON grants (closed_at) WHERE closed_at IS NULL`,
    `CREATE TABLE transactions (
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
    -- JSON facts of a non-usage row (plan change, rollover cap…); NULL on usage rows to keep them small.
    detail           TEXT
  , idem_key TEXT, idem_fingerprint TEXT, plan_id TEXT)`,
    `CREATE TABLE usage_rollup (
    day              TEXT NOT NULL,
    agent            TEXT NOT NULL,
    model            TEXT NOT NULL,
    requests         INTEGER NOT NULL,
    tokens           INTEGER NOT NULL,
    input_tokens     INTEGER NOT NULL,
    output_tokens    INTEGER NOT NULL,
    cost_usd_micros  INTEGER NOT NULL,
    cost_inr_paise   INTEGER NOT NULL, last_at INTEGER,
    PRIMARY KEY (day, agent, model)
  ) WITHOUT ROWID`,
    `CREATE TABLE holds (
    id          INTEGER PRIMARY KEY,
    agent       TEXT NOT NULL,
    model       TEXT NOT NULL,
    tokens      INTEGER NOT NULL CHECK (tokens > 0),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    -- The UTC day whose request count the hold took.
    day         TEXT NOT NULL,
    project_id  TEXT,
    status      TEXT NOT NULL CHECK (status IN ('open', 'committed', 'released', 'expired')),
    settled_at  INTEGER
  , idem_key TEXT, idem_fingerprint TEXT, settle_fingerprint TEXT, tx_seq INTEGER)`,
    `CREATE INDEX holds_open ON holds (expires_at) WHERE status = 'open'`,
    `CREATE TABLE projects (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    mode            TEXT NOT NULL,
    description     TEXT,
    model           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    lease_run_id    TEXT,
    lease_until     INTEGER
  )`,
    `CREATE TABLE project_steps (
    project_id        TEXT NOT NULL,
    agent             TEXT NOT NULL,
    position          INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'running', 'finished', 'failed', 'interrupted')),
    hold_id           INTEGER,
    estimated_tokens  INTEGER,
    transaction_seq   INTEGER,
    input_tokens      INTEGER,
    output_tokens     INTEGER,
    cost_usd_micros   INTEGER,
    cost_inr_paise    INTEGER,
    started_at        INTEGER,
    finished_at       INTEGER,
    attempts          INTEGER NOT NULL DEFAULT 0,
    error             TEXT,
    PRIMARY KEY (project_id, agent)
  ) WITHOUT ROWID`,
    `CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    seq          INTEGER,
    outcome      TEXT
  ) WITHOUT ROWID`,
    `CREATE TABLE stripe_purchases (
    session_id         TEXT PRIMARY KEY,
    payment_intent_id  TEXT UNIQUE,
    package_id         TEXT NOT NULL,
    grant_id           INTEGER NOT NULL REFERENCES grants (id),
    tokens             INTEGER NOT NULL CHECK (tokens > 0),
    amount_paise       INTEGER NOT NULL CHECK (amount_paise >= 0),
    credited_at        INTEGER NOT NULL
  )`,
    `CREATE TABLE stripe_refunds (
    payment_intent_id    TEXT PRIMARY KEY,
    charge_id            TEXT NOT NULL,
    charge_amount_paise  INTEGER NOT NULL CHECK (charge_amount_paise > 0),
    refunded_paise       INTEGER NOT NULL CHECK (refunded_paise >= 0 AND refunded_paise <= charge_amount_paise),
    tokens_taken         INTEGER NOT NULL DEFAULT 0 CHECK (tokens_taken >= 0),
    updated_at           INTEGER NOT NULL
  )`,
    `CREATE TABLE stripe_subscriptions (
    subscription_id  TEXT PRIMARY KEY,
    plan_id          TEXT NOT NULL,
    status           TEXT NOT NULL,
    paid_from        INTEGER,
    paid_through     INTEGER,
    last_event_at    INTEGER NOT NULL,
    ended_at         INTEGER,
    updated_at       INTEGER NOT NULL
  )`,
    `CREATE TABLE outbox (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at       INTEGER NOT NULL,
    day              TEXT NOT NULL,
    kind             TEXT NOT NULL,
    tx_seq           INTEGER,
    plan_id          TEXT NOT NULL,
    source           TEXT NOT NULL,
    agent            TEXT,
    model            TEXT,
    tokens           INTEGER NOT NULL,
    input_tokens     INTEGER NOT NULL,
    output_tokens    INTEGER NOT NULL,
    cost_usd_micros  INTEGER NOT NULL,
    cost_inr_paise   INTEGER NOT NULL,
    amount_paise     INTEGER,
    product_id       TEXT,
    promo_code       TEXT
  )`,
    `CREATE TABLE price_book (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    prices      TEXT NOT NULL,
    fetched_at  INTEGER NOT NULL
  )`,
    `CREATE UNIQUE INDEX transactions_key ON transactions (idem_key) WHERE idem_key IS NOT NULL`,
    `CREATE UNIQUE INDEX holds_key ON holds (idem_key) WHERE idem_key IS NOT NULL`,
  ],
};
