// The peer's ledger: what a team would build on PostgreSQL instead of one object per user. One
// row per user holds the balance and the tokens held; a deduction locks it (`SELECT … FOR UPDATE`),
// appends a log row whose UNIQUE (user_id, idem_key) is the idempotency record, updates the balance
// and commits (durably: synchronous_commit is on). A reservation is a hold row written under the same
// row lock (its UNIQUE (user_id, idem_key) the reservation's idempotency record); its commit appends
// the usage row, settles the hold and moves the balance in one transaction, again under the lock.
// Every writer of a user's rows holds that user's row lock.
import pg from 'pg';

// int8 columns come back as strings by default; every amount here stays far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS accounts (
  user_id        text PRIMARY KEY,
  balance_tokens bigint NOT NULL CHECK (balance_tokens >= 0),
  held_tokens    bigint NOT NULL DEFAULT 0 CHECK (held_tokens >= 0),
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
);
CREATE TABLE IF NOT EXISTS holds (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     text NOT NULL REFERENCES accounts (user_id),
  idem_key    text NOT NULL,
  agent       text NOT NULL,
  model       text NOT NULL,
  tokens      bigint NOT NULL CHECK (tokens > 0),
  status      text NOT NULL CHECK (status IN ('open', 'committed', 'released')),
  usage_id    bigint REFERENCES usage_log (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  settled_at  timestamptz,
  UNIQUE (user_id, idem_key)
);`;

const HOLD_COLUMNS = 'id, agent, model, tokens, status, usage_id, created_at, expires_at, settled_at';

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
  // Reservations: the account's row lock with any hold under the key; a hold by id with the lock.
  lockWithHoldKey: `SELECT a.balance_tokens, a.held_tokens, h.id, h.agent, h.model, h.tokens, h.status, h.usage_id,
      h.created_at, h.expires_at, h.settled_at
    FROM accounts a LEFT JOIN holds h ON h.user_id = a.user_id AND h.idem_key = $2
    WHERE a.user_id = $1 FOR UPDATE OF a`,
  lockWithHold: `SELECT a.balance_tokens, a.held_tokens, h.id, h.agent, h.model, h.tokens, h.status, h.usage_id,
      h.created_at, h.expires_at, h.settled_at
    FROM accounts a LEFT JOIN holds h ON h.user_id = a.user_id AND h.id = $2
    WHERE a.user_id = $1 FOR UPDATE OF a`,
  insertHold: `INSERT INTO holds (user_id, idem_key, agent, model, tokens, status, expires_at)
    VALUES ($1, $2, $3, $4, $5, 'open', now() + make_interval(secs => $6))
    ON CONFLICT (user_id, idem_key) DO NOTHING RETURNING ${HOLD_COLUMNS}`,
  setHeld: 'UPDATE accounts SET held_tokens = $2, updated_at = now() WHERE user_id = $1',
  settleHold: `UPDATE holds SET status = $2, usage_id = $3, settled_at = now() WHERE id = $1 RETURNING ${HOLD_COLUMNS}`,
  setBalanceAndHeld: 'UPDATE accounts SET balance_tokens = $2, held_tokens = $3, updated_at = now() WHERE user_id = $1',
  usageById: `SELECT ${LOG_COLUMNS} FROM usage_log WHERE id = $1`,
  balance: 'SELECT balance_tokens, held_tokens FROM accounts WHERE user_id = $1',
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

  /**
   * Hold `hold.tokens` for a run: `{ kind: 'held' | 'replayed' | 'conflict' | 'insufficient', hold?, available? }`.
   * The hold row and the account's held tokens change together, under the account's row lock.
   */
  async function reserve(userId, key, hold) {
    return inTransaction(async (client) => {
      const locked = await lockAccount(client, 'lockWithHoldKey', [userId, key]);
      if (locked.id !== null) {
        const same = locked.agent === hold.agent && locked.model === hold.model && locked.tokens === hold.tokens;
        return { rollback: true, outcome: same ? { kind: 'replayed', hold: holdOf(locked) } : { kind: 'conflict' } };
      }
      const available = locked.balance_tokens - locked.held_tokens;
      if (available < hold.tokens) return { rollback: true, outcome: { kind: 'insufficient', available } };
      const inserted = await client.query(
        named('insertHold', [userId, key, hold.agent, hold.model, hold.tokens, hold.ttlSeconds]),
      );
      // Every writer of this user's holds holds the row lock taken above, so no key can have appeared since.
      if (inserted.rows.length === 0) throw new Error('peer: a hold key was written concurrently');
      await client.query(named('setHeld', [userId, locked.held_tokens + hold.tokens]));
      return { outcome: { kind: 'held', hold: inserted.rows[0] } };
    });
  }

  /**
   * Settle hold `holdId` with the actual usage: one usage row, the hold committed, the balance and the
   * held tokens moved, in one transaction under the row lock. Never refused for money (the model ran):
   * what the balance cannot cover is reported as uncovered. `usageOf(hold)` prices the run with the
   * hold's agent and model. `{ kind: 'committed' | 'replayed' | 'not_found' | 'conflict', row?, hold?,
   * uncovered? }`.
   */
  async function commit(userId, holdId, usageOf) {
    return inTransaction(async (client) => {
      const locked = (await client.query(named('lockWithHold', [userId, holdId]))).rows[0];
      if (!locked || locked.id === null) return { rollback: true, outcome: { kind: 'not_found' } };
      if (locked.status === 'committed') {
        const row = (await client.query(named('usageById', [locked.usage_id]))).rows[0];
        return { rollback: true, outcome: { kind: 'replayed', row, hold: holdOf(locked), uncovered: 0 } };
      }
      if (locked.status !== 'open') return { rollback: true, outcome: { kind: 'conflict' } };
      const usage = usageOf(locked);
      const before = locked.balance_tokens;
      const charged = Math.min(usage.tokens, before);
      const after = before - charged;
      const key = `hold-commit:${holdId}`;
      const inserted = await client.query(named('insert', [userId, key, ...logValues(usage, before, after)]));
      if (inserted.rows.length === 0) throw new Error('peer: a commit key was written concurrently');
      const row = { ...usage, ...inserted.rows[0], tokens_before: before, tokens_after: after };
      const hold = (await client.query(named('settleHold', [holdId, 'committed', row.id]))).rows[0];
      await client.query(named('setBalanceAndHeld', [userId, after, locked.held_tokens - locked.tokens]));
      return { outcome: { kind: 'committed', row, hold, uncovered: usage.tokens - charged } };
    });
  }

  /** The balance a client sees: tokens less what is held (opening the account, as the service's route does). */
  async function balance(userId) {
    let { rows } = await pool.query(named('balance', [userId]));
    if (rows.length === 0) {
      await pool.query(named('open', [userId, startTokens]));
      ({ rows } = await pool.query(named('balance', [userId])));
    }
    return { balance: rows[0].balance_tokens, held: rows[0].held_tokens };
  }

  /** Run `work(client)` in a transaction; it answers `{ outcome, rollback? }`. */
  async function inTransaction(work) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { outcome, rollback } = await work(client);
      await client.query(rollback ? 'ROLLBACK' : 'COMMIT');
      return outcome;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  return { recordUsage, recordUsageGroup, reserve, commit, balance };
}

function holdOf(r) {
  return {
    id: r.id,
    agent: r.agent,
    model: r.model,
    tokens: r.tokens,
    status: r.status,
    usage_id: r.usage_id,
    created_at: r.created_at,
    expires_at: r.expires_at,
    settled_at: r.settled_at,
  };
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
