// The peer's ledger: what a team would build on PostgreSQL instead of one object per user. One
// row per user holds the balance; a deduction locks it (`SELECT … FOR UPDATE`), appends a log row
// whose UNIQUE (user_id, idem_key) is the idempotency record, updates the balance and commits
// (durably: synchronous_commit is on). Every writer of a user's log holds that user's row lock.
import pg from 'pg';

// int8 columns come back as strings by default; every amount here stays far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS accounts (
  user_id        text PRIMARY KEY,
  balance_tokens bigint NOT NULL CHECK (balance_tokens >= 0),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS usage_log (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id         text NOT NULL REFERENCES accounts (user_id),
  idem_key        text NOT NULL,
  agent           text NOT NULL,
  model           text NOT NULL,
  input_tokens    integer NOT NULL,
  output_tokens   integer NOT NULL,
  tokens_before   bigint NOT NULL,
  tokens_after    bigint NOT NULL,
  cost_usd_micros bigint NOT NULL,
  cost_inr_paise  bigint NOT NULL,
  description     text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, idem_key)
);`;

const LOG_COLUMNS =
  'id, agent, model, input_tokens, output_tokens, tokens_before, tokens_after, cost_usd_micros, cost_inr_paise, description, created_at';

// Named statements: each pooled connection parses them once.
const Q = {
  lockWithPrior: `SELECT a.balance_tokens, l.id, l.agent, l.model, l.input_tokens, l.output_tokens, l.tokens_before,
      l.tokens_after, l.cost_usd_micros, l.cost_inr_paise, l.description, l.created_at
    FROM accounts a LEFT JOIN usage_log l ON l.user_id = a.user_id AND l.idem_key = $2
    WHERE a.user_id = $1 FOR UPDATE OF a`,
  lock: 'SELECT balance_tokens FROM accounts WHERE user_id = $1 FOR UPDATE',
  open: 'INSERT INTO accounts (user_id, balance_tokens) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING',
  prior: `SELECT ${LOG_COLUMNS} FROM usage_log WHERE user_id = $1 AND idem_key = $2`,
  priorMany: `SELECT idem_key, ${LOG_COLUMNS} FROM usage_log WHERE user_id = $1 AND idem_key = ANY($2::text[])`,
  insert: `INSERT INTO usage_log (user_id, idem_key, agent, model, input_tokens, output_tokens, tokens_before,
      tokens_after, cost_usd_micros, cost_inr_paise, description)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (user_id, idem_key) DO NOTHING RETURNING id, created_at`,
  insertMany: `INSERT INTO usage_log (user_id, idem_key, agent, model, input_tokens, output_tokens, tokens_before,
      tokens_after, cost_usd_micros, cost_inr_paise, description)
    SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int8[], $8::int8[],
      $9::int8[], $10::int8[], $11::text[])
    ON CONFLICT (user_id, idem_key) DO NOTHING RETURNING idem_key, id, created_at`,
  setBalance: 'UPDATE accounts SET balance_tokens = $2, updated_at = now() WHERE user_id = $1',
};
const named = (name, values) => ({ name, text: Q[name], values });

/**
 * The ledger over a pool. `startTokens`: the balance an account opens with on its first usage
 * (the service opens every new account with its plan's monthly grant).
 */
export function createLedger({ pool, startTokens }) {
  /** Lock the user's row, opening the account first when it does not exist yet. */
  async function lockAccount(client, name, values) {
    let { rows } = await client.query(named(name, values));
    if (rows.length === 0) {
      await client.query(named('open', [values[0], startTokens]));
      ({ rows } = await client.query(named(name, values)));
    }
    return rows[0];
  }

  /** One usage record: `{ kind: 'applied' | 'replayed' | 'conflict' | 'insufficient', row?, balance? }`. */
  async function recordUsage(userId, key, usage) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const locked = await lockAccount(client, 'lockWithPrior', [userId, key]);
      if (locked.id !== null) {
        await client.query('ROLLBACK');
        return settled(locked, usage);
      }
      const before = locked.balance_tokens;
      if (before < usage.tokens) {
        await client.query('ROLLBACK');
        return { kind: 'insufficient', balance: before };
      }
      const after = before - usage.tokens;
      const inserted = await client.query(named('insert', [userId, key, ...logValues(usage, before, after)]));
      if (inserted.rows.length === 0) {
        // Written by a request that committed while this one waited for the lock.
        await client.query('ROLLBACK');
        const { rows } = await client.query(named('prior', [userId, key]));
        return settled(rows[0], usage);
      }
      await client.query(named('setBalance', [userId, after]));
      await client.query('COMMIT');
      const { id, created_at } = inserted.rows[0];
      return { kind: 'applied', row: { ...usage, id, created_at, tokens_before: before, tokens_after: after } };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** One user's share of a batch in one transaction: outcomes in the order of `records`. */
  async function recordUsageGroup(userId, records) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      let balance = (await lockAccount(client, 'lock', [userId])).balance_tokens;
      const keys = records.map((r) => r.key);
      const known = new Map();
      for (const row of (await client.query(named('priorMany', [userId, keys]))).rows) known.set(row.idem_key, row);
      const outcomes = [];
      const fresh = [];
      for (const { key, usage } of records) {
        const prior = known.get(key);
        if (prior) {
          outcomes.push(settled(prior, usage));
        } else if (balance < usage.tokens) {
          outcomes.push({ kind: 'insufficient', balance });
        } else {
          const row = { ...usage, tokens_before: balance, tokens_after: balance - usage.tokens };
          balance = row.tokens_after;
          known.set(key, row);
          fresh.push({ key, row });
          outcomes.push({ kind: 'applied', row });
        }
      }
      if (fresh.length === 0) {
        await client.query('ROLLBACK');
        return outcomes;
      }
      const columns = fresh.map(({ key, row }) => [key, ...logValues(row, row.tokens_before, row.tokens_after)]);
      const inserted = await client.query(
        named('insertMany', [userId, ...columns[0].map((_, i) => columns.map((c) => c[i]))]),
      );
      // Every writer of this user's log holds the row lock taken above, so no key can have appeared since.
      if (inserted.rows.length !== fresh.length) throw new Error('peer: a batch key was written concurrently');
      const ids = new Map(inserted.rows.map((r) => [r.idem_key, r]));
      for (const { key, row } of fresh) Object.assign(row, ids.get(key));
      await client.query(named('setBalance', [userId, balance]));
      await client.query('COMMIT');
      return outcomes;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  return { recordUsage, recordUsageGroup };
}

function logValues(usage, before, after) {
  return [
    usage.agent,
    usage.model,
    usage.input_tokens,
    usage.output_tokens,
    before,
    after,
    usage.cost_usd_micros,
    usage.cost_inr_paise,
    usage.description ?? null,
  ];
}

/** A key already used: the first answer when the usage is the same, a conflict otherwise. */
function settled(row, usage) {
  const same =
    row.agent === usage.agent &&
    row.model === usage.model &&
    row.input_tokens === usage.input_tokens &&
    row.output_tokens === usage.output_tokens &&
    (row.description ?? null) === (usage.description ?? null);
  return same ? { kind: 'replayed', row } : { kind: 'conflict' };
}
