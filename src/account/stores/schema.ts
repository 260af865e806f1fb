// The user's own SQLite schema: a chain of ordered, additive migrations, run in the constructor in
// one transaction. Version 1 is the schema every object began with; each later step only adds
// (tables, columns, indexes, backfills) and advances the stored version, so an object of any older
// version is brought up to date in order, and an object that finds a version newer than this build
// knows refuses to run rather than guess at its data.
//
// Adding a migration: append `{ version: n + 1, up }` to MIGRATIONS, never edit a step that has
// shipped. Its test follows test/workers/account/schemaMigrations.test.ts: write an object with a
// real history on the version before (usage, a reservation, a purchase, a promo, a project), run
// `ensureSchema` with the new chain, check its data survived and that the audit is clean. Then
// regenerate schemaSnapshot.ts (what new objects are built from): its test prints the new file.
import { SCHEMA_SNAPSHOT } from './schemaSnapshot';
import type { Sql } from './sql';

const V1 = `
  CREATE TABLE account (
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
  );
  CREATE TABLE grants (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    remaining   INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    spent       INTEGER NOT NULL DEFAULT 0 CHECK (spent >= 0),
    expires_at  INTEGER,
    created_at  INTEGER NOT NULL,
    closed_at   INTEGER,
    period      TEXT
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
    -- JSON facts of a non-usage row (plan change, rollover cap…); NULL on usage rows to keep them small.
    detail           TEXT
  );
  CREATE INDEX transactions_type ON transactions (type, seq);
  CREATE INDEX transactions_agent ON transactions (agent, seq) WHERE agent IS NOT NULL;
  CREATE TABLE daily_usage (
    day       TEXT PRIMARY KEY,
    requests  INTEGER NOT NULL,
    tokens    INTEGER NOT NULL,
    last_at   INTEGER NOT NULL
  );
  -- Usage by day, agent and model, kept with each usage row: analytics read a few rows a day.
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
  -- Reservations: tokens held for an agent run until it is committed, released or expires.
  CREATE TABLE holds (
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
  );
  CREATE INDEX holds_open ON holds (expires_at) WHERE status = 'open';
  -- Projects and their steps (one per agent, in run order). A run's lease lives on the project:
  -- lease_until follows the run's latest hold, so a cut-off run's lease lapses with its hold.
  CREATE TABLE projects (
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
  );
  CREATE TABLE project_steps (
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
  ) WITHOUT ROWID;
  -- Every mutation's idempotency key (see keys.ts): what the command was (fingerprint), the ledger
  -- row it wrote (seq) and, where a row does not tell it, its outcome (JSON).
  CREATE TABLE idempotency_keys (
    key          TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    seq          INTEGER,
    outcome      TEXT
  ) WITHOUT ROWID;
  -- Stripe: each paid checkout's purchase (refunds find it by payment intent; a refund may arrive
  -- before its purchase), refund totals, and each subscription's state.
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
  -- Analytics facts waiting for the flush to D1 (src/account/outbox/): one row per ledger row that
  -- platform analytics count, written in the same transaction, deleted once D1 confirmed it.
  -- AUTOINCREMENT: the seq is the flush cursor, so a seq must never be reused after a delete.
  CREATE TABLE outbox (
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
  );
  -- The object's own copy of the model prices and exchange rate (JSON), so usage is priced without D1.
  CREATE TABLE price_book (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    prices      TEXT NOT NULL,
    fetched_at  INTEGER NOT NULL
  );
`;

/**
 * The subscription that gives the account its plan, and the mark of a subscription checkout under
 * way. Events of any other subscription never end the plan; a second subscription checkout is
 * refused while the mark is live (it expires with its Checkout Session). The backfill names, for an
 * account on (or switching to) a plan that a live subscription pays for, the newest such subscription:
 * before this step the plan was matched by its id alone.
 */
export const PLAN_SUBSCRIPTION_STEP: Migration = {
  version: 3,
  up: `
  ALTER TABLE account ADD COLUMN plan_subscription_id TEXT;
  ALTER TABLE account ADD COLUMN checkout_attempt_id TEXT;
  ALTER TABLE account ADD COLUMN checkout_idempotency_key TEXT;
  ALTER TABLE account ADD COLUMN checkout_until INTEGER;
  UPDATE account SET plan_subscription_id = (
    SELECT s.subscription_id FROM stripe_subscriptions s
    WHERE s.ended_at IS NULL AND s.status IN ('active', 'trialing')
      AND (s.plan_id = json_extract(account.terms, '$.id') OR s.plan_id = json_extract(account.pending_terms, '$.id'))
    ORDER BY s.updated_at DESC LIMIT 1
  );
`,
};

/** One step of the chain: the version it brings the schema to, and the SQL (or code) that does it. */
export interface Migration {
  version: number;
  up: string | ((sql: Sql) => void);
}

// Version 2: what a deduction writes cut to what the money rules need (docs/architecture.md, "Rows
// written"). A key rides on the row its mutation writes (a ledger row, a reservation) instead of a
// row of its own; the day's counters are read from the usage rollup and the open reservations; the
// flush reads usage facts from the ledger after a cursor D1 holds, so usage writes no outbox row;
// lifetime totals carry forward at each period and grant close, so a balance read does not grow
// with the account's age; the ledger's type and agent indexes go (their filters scan from the newest
// row, and reads cost a thousandth of writes).
const V2 = `
  ALTER TABLE transactions ADD COLUMN idem_key TEXT;
  ALTER TABLE transactions ADD COLUMN idem_fingerprint TEXT;
  -- The plan in force when the row was drafted: analytics group usage by it.
  ALTER TABLE transactions ADD COLUMN plan_id TEXT;
  CREATE UNIQUE INDEX transactions_key ON transactions (idem_key) WHERE idem_key IS NOT NULL;
  DROP INDEX transactions_type;
  DROP INDEX transactions_agent;

  ALTER TABLE holds ADD COLUMN idem_key TEXT;
  ALTER TABLE holds ADD COLUMN idem_fingerprint TEXT;
  -- The commit's or release's own key, told by status and reservation id, and the row a commit wrote.
  ALTER TABLE holds ADD COLUMN settle_fingerprint TEXT;
  ALTER TABLE holds ADD COLUMN tx_seq INTEGER;
  CREATE UNIQUE INDEX holds_key ON holds (idem_key) WHERE idem_key IS NOT NULL;

  ALTER TABLE usage_rollup ADD COLUMN last_at INTEGER;

  -- Totals of what lies behind the account: usage on days before carried_through, closed grants.
  ALTER TABLE account ADD COLUMN carried_through TEXT NOT NULL DEFAULT '0000-01-01';
  ALTER TABLE account ADD COLUMN carried_requests INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE account ADD COLUMN carried_tokens INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE account ADD COLUMN carried_last_at INTEGER;
  ALTER TABLE account ADD COLUMN closed_credited INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE account ADD COLUMN closed_spent INTEGER NOT NULL DEFAULT 0;
  -- Usage rows up to this seq went to D1 through the outbox; later ones are read from the ledger.
  ALTER TABLE account ADD COLUMN ledger_facts_after INTEGER NOT NULL DEFAULT 0;

  UPDATE account SET
    carried_through = period || '-01',
    -- An open reservation's request is counted with the open ones, not in its day's counter.
    carried_requests = (SELECT COALESCE(SUM(requests), 0) FROM daily_usage WHERE day < account.period || '-01')
                     - (SELECT COUNT(*) FROM holds WHERE status = 'open' AND day < account.period || '-01'),
    carried_tokens = (SELECT COALESCE(SUM(tokens), 0) FROM daily_usage WHERE day < account.period || '-01'),
    carried_last_at = (SELECT MAX(last_at) FROM daily_usage),
    closed_credited = (SELECT COALESCE(SUM(CASE WHEN source = 'rollover' THEN 0 ELSE amount END), 0)
                       FROM grants WHERE closed_at IS NOT NULL),
    closed_spent = (SELECT COALESCE(SUM(spent), 0) FROM grants WHERE closed_at IS NOT NULL),
    ledger_facts_after = (SELECT COALESCE(MAX(seq), 0) FROM transactions);
  DROP TABLE daily_usage;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, up: V1 },
  { version: 2, up: V2 },
  PLAN_SUBSCRIPTION_STEP,
];

/** The version this build brings every object to. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/**
 * Bring the object's schema to the last version of `migrations` (tests append a step of their
 * own), in one transaction: each step that is newer than the stored version runs in order and
 * advances it. A new object gets the last version at once from its snapshot (schemaSnapshot.ts),
 * when the snapshot is of that version. Throws when the stored version is newer than the chain knows.
 */
export function ensureSchema(sql: Sql, storage: DurableObjectStorage, migrations = MIGRATIONS): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`account schema: migration ${i + 1} is numbered ${m.version}`);
  });
  const latest = migrations.length;
  storage.transactionSync(() => {
    let stored = storedVersion(sql);
    if (stored === latest) return;
    if (stored !== undefined && stored > latest) {
      throw new Error(`account schema: stored version ${stored}, this build knows only ${latest}; refusing to run`);
    }
    if (stored === undefined) {
      sql.run('schema table', 'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      if (migrations === MIGRATIONS && SCHEMA_SNAPSHOT.version === latest) {
        sql.run('schema snapshot', SCHEMA_SNAPSHOT.statements.join(';\n'));
        sql.run('schema version set', 'INSERT INTO schema_version (version) VALUES (?)', latest);
        return;
      }
    }
    for (const m of migrations.slice(stored ?? 0)) {
      if (typeof m.up === 'string') sql.run(`schema v${m.version}`, m.up);
      else m.up(sql);
      if (stored === undefined)
        sql.run('schema version set', 'INSERT INTO schema_version (version) VALUES (?)', m.version);
      else sql.run('schema version advance', 'UPDATE schema_version SET version = ?', m.version);
      stored = m.version;
    }
  });
}

/** The stored version, in one statement on every wake: undefined for a new object (no table yet, or no row). */
function storedVersion(sql: Sql): number | undefined {
  try {
    return sql.first<{ version: number }>('schema version', 'SELECT version FROM schema_version')?.version;
  } catch (error) {
    if (String(error).includes('no such table')) return undefined;
    throw error;
  }
}
