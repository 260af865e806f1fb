import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { UserAccount } from '../../../src/account/UserAccount';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { ensureSchema, MIGRATIONS, SCHEMA_VERSION, type Migration } from '../../../src/account/stores/schema';
import { Sql } from '../../../src/account/stores/sql';
import { accountStub, newUserId, type AccountStub } from '../../support/helpers';

// The pattern every later migration's test follows: an object written on the version before, with a
// real history, is upgraded by the chain with the new step appended, and keeps every row and a
// clean audit. Here the appended step is a test's own (a column and a backfill), standing in for
// the next real one.

/** An additive step of the kind a later version adds: a column on the grants and its backfill. */
const NEXT: Migration = {
  version: SCHEMA_VERSION + 1,
  up: (sql) => {
    sql.run('test add column', 'ALTER TABLE grants ADD COLUMN origin TEXT');
    sql.run('test backfill', "UPDATE grants SET origin = 'v1:' || source");
  },
};

/** Every table's row count, by name (the object's own bookkeeping tables aside). */
function rowCounts(sql: SqlStorage): Record<string, number> {
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .toArray()
    .map((t) => t.name);
  return Object.fromEntries(
    tables.map((name) => [name, sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name}"`).one().n]),
  );
}

/** The object's schema as SQLite stores it (its own bookkeeping tables aside). */
function schemaText(sql: SqlStorage): string {
  return sql
    .exec<{ type: string; name: string; sql: string | null }>(
      "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY type, name",
    )
    .toArray()
    .map((row) => `${row.type} ${row.name}: ${row.sql ?? ''}`)
    .join('\n');
}

/** Drop every table of the object (its own bookkeeping aside): a blank database to build a version on. */
function dropEverything(sql: SqlStorage): void {
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .toArray();
  for (const { name } of tables) sql.exec(`DROP TABLE "${name}"`);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** An account with a real history on today's schema: usage, an open reservation, a purchase, a promo, a project. */
async function accountWithHistory(stub: AccountStub): Promise<void> {
  const credited = await stub.credit({
    source: 'purchase',
    transactionType: 'purchase',
    tokens: 40_000,
    description: 'Starter Pack purchase',
    expiresAt: null,
    idempotencyKey: idempotencyKeys.adminGrant(crypto.randomUUID()),
  });
  expect(credited.ok).toBe(true);
  const used = await stub.recordUsage({
    agent: 'code',
    model: 'haiku',
    inputTokens: 1_200,
    outputTokens: 300,
    idempotencyKey: idempotencyKeys.usage(crypto.randomUUID()),
  });
  expect(used.ok).toBe(true);
  const held = await stub.reserve({
    agent: 'srs',
    model: 'haiku',
    estimatedTokens: 2_000,
    idempotencyKey: idempotencyKeys.reservation(crypto.randomUUID()),
  });
  expect(held.ok).toBe(true);
  const promo = await stub.redeemPromo({
    code: 'SCHEMA50',
    attemptId: crypto.randomUUID(),
    tokens: 5_000,
    grantValidityDays: 30,
    allowedPlans: null,
  });
  expect(promo.ok).toBe(true);
  const project = await stub.createProject({
    title: 'Library system',
    mode: 'student',
    description: null,
    model: 'haiku',
    agents: ['idea', 'srs'],
    idempotencyKey: idempotencyKeys.projectCreate(crypto.randomUUID()),
  });
  expect(project.ok).toBe(true);
}

describe('the account schema chain', () => {
  it('version 1 creates exactly the tables it always did', async () => {
    const stub = accountStub(newUserId('schema-chain'));
    const text = await runInDurableObject(stub, (_instance, state) => {
      dropEverything(state.storage.sql);
      ensureSchema(new Sql(state.storage.sql), state.storage, MIGRATIONS.slice(0, 1));
      return schemaText(state.storage.sql);
    });
    expect(text).toContain('table grants: CREATE TABLE grants');
    // The digest of the schema as the single-version build created it: a change to version 1 fails here.
    expect(await sha256(text)).toBe('ad1a0b3cb77d930a9da82b34deb13abe637c8d6e82c1aae6afb5a34f551b2c42');
  });

  it('upgrades a version 1 object with a real history by an appended step, keeping every row and a clean audit', async () => {
    const stub = accountStub(newUserId('schema-chain'));
    await accountWithHistory(stub);
    const before = await stub.balance();
    if (!before.ok) throw new Error(before.failure.message);

    const counts = await runInDurableObject(stub, async (instance, state) => {
      const sql = state.storage.sql;
      const was = rowCounts(sql);
      ensureSchema(new Sql(sql), state.storage, [...MIGRATIONS, NEXT]);
      expect(sql.exec<{ version: number }>('SELECT version FROM schema_version').toArray()).toEqual([
        { version: NEXT.version },
      ]);
      expect(rowCounts(sql)).toEqual(was);
      const origins = sql.exec<{ origin: string }>('SELECT origin FROM grants ORDER BY id').toArray();
      expect(origins.map((g) => g.origin)).toEqual(['v1:monthly', 'v1:purchase', 'v1:promo']);
      // Running the chain again changes nothing.
      ensureSchema(new Sql(sql), state.storage, [...MIGRATIONS, NEXT]);
      expect(rowCounts(sql)).toEqual(was);
      const audit = await (instance as UserAccount).audit();
      expect(audit.ok && audit.value.ok).toBe(true);
      if (audit.ok) expect(audit.value.problems).toEqual([]);
      return was;
    });
    expect(counts).toMatchObject({ grants: 3, holds: 1, projects: 1, project_steps: 2, transactions: 4 });

    // The account still works on the upgraded schema: the same balance, and a new charge.
    const after = await stub.balance();
    expect(after.ok && after.value).toEqual(before.value);
    const used = await stub.recordUsage({
      agent: 'code',
      model: 'haiku',
      inputTokens: 100,
      outputTokens: 50,
      idempotencyKey: idempotencyKeys.usage(crypto.randomUUID()),
    });
    expect(used.ok).toBe(true);
    const audit = await stub.audit();
    expect(audit.ok && audit.value.problems).toEqual([]);
  });

  it('refuses an object whose stored version is newer than the chain, naming both', async () => {
    const stub = accountStub(newUserId('schema-chain'));
    await accountWithHistory(stub);
    await runInDurableObject(stub, (_instance, state) => {
      ensureSchema(new Sql(state.storage.sql), state.storage, [...MIGRATIONS, NEXT]);
      expect(() => ensureSchema(new Sql(state.storage.sql), state.storage)).toThrow(
        new RegExp(`stored version ${NEXT.version}, this build knows only ${SCHEMA_VERSION}`),
      );
    });
  });
});
