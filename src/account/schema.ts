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
