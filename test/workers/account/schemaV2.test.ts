import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { ensureSchema, MIGRATIONS, SCHEMA_VERSION } from '../../../src/account/stores/schema';
import { Sql } from '../../../src/account/stores/sql';
import { drainFacts } from '../../support/analyticsHelpers';
import { accountStub, expectAuditOk, newUserId, setClock, type AccountStub } from '../../support/helpers';
import v1 from '../../fixtures/account-v1.json';

// Version 2 of the object's schema, on data written by version 1: test/fixtures/account-v1.json is a
// version-1 object's every table as that build wrote them (usage, a reservation committed, one
// released, one still open, a purchase, a promo, a project, across two months). Loaded into a
// version-1 schema and upgraded, it keeps its balance and counters, answers its old keys, takes new
// charges whose keys ride on their rows, and flushes none of its already-flushed usage twice.

type Fixture = { tables: Record<string, { columns: string[]; rows: SqlStorageValue[][] }> };
const fixture = v1 as unknown as Fixture;
const rows = (table: string) => {
  const t = fixture.tables[table]!;
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])) as Record<string, SqlStorageValue>);
};
const sum = (values: SqlStorageValue[]) => values.reduce<number>((a, v) => a + Number(v), 0);

/** What version 1 answered from these tables, computed from the rows alone. */
const V1 = {
  totalRequests: sum(rows('daily_usage').map((d) => d.requests!)),
  lastRequestAt: Math.max(...rows('daily_usage').map((d) => Number(d.last_at))),
  today: rows('daily_usage').find((d) => d.day === '2026-12-02')!,
  credited: sum(rows('grants').map((g) => (g.source === 'rollover' ? 0 : g.amount!))),
  spent: sum(rows('grants').map((g) => g.spent!)),
  remaining: sum(rows('grants').map((g) => (g.closed_at === null ? g.remaining! : 0))),
  held: sum(rows('holds').map((h) => (h.status === 'open' ? h.tokens! : 0))),
  lastSeq: Math.max(...rows('transactions').map((t) => Number(t.seq))),
};
const NOW = Date.UTC(2026, 11, 2, 9, 30);

/** A version-1 object holding the fixture, under `userId`, upgraded by the chain. */
async function upgradedFixture(userId: string): Promise<AccountStub> {
  const stub = accountStub(userId);
  await runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    for (const { name } of sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
      )
      .toArray())
      sql.exec(`DROP TABLE "${name}"`);
    ensureSchema(new Sql(sql), state.storage, MIGRATIONS.slice(0, 1));
    for (const [table, { columns, rows: values }] of Object.entries(fixture.tables)) {
      for (const row of values)
        sql.exec(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, ...row);
    }
    sql.exec('UPDATE account SET user_id = ?', userId);
    ensureSchema(new Sql(sql), state.storage);
  });
  await setClock(stub, NOW);
  return stub;
}

describe('schema version 2 on data written by version 1', () => {
  it('keeps every row, drops the day counters, and reads the same balance from what replaces them', async () => {
    const stub = await upgradedFixture(newUserId('v2'));
    const tables = await runInDurableObject(stub, (_i, state) => ({
      version: state.storage.sql.exec<{ version: number }>('SELECT version FROM schema_version').one().version,
      names: state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((t) => t.name),
      counts: ['transactions', 'grants', 'holds', 'idempotency_keys', 'usage_rollup'].map((t) =>
        Number(state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`).one().n),
      ),
    }));
    expect(tables.version).toBe(SCHEMA_VERSION);
    expect(tables.names).not.toContain('daily_usage');
    expect(tables.counts).toEqual(
      ['transactions', 'grants', 'holds', 'idempotency_keys', 'usage_rollup'].map(
        (t) => fixture.tables[t]!.rows.length,
      ),
    );
    const balance = await stub.balance();
    if (!balance.ok) throw new Error(balance.failure.message);
    expect(balance.value).toMatchObject({
      totalRequests: V1.totalRequests,
      requestsToday: V1.today.requests,
      tokensUsedToday: V1.today.tokens,
      lastRequestAt: V1.lastRequestAt,
      creditedTokens: V1.credited,
      spentTokens: V1.spent,
      heldTokens: V1.held,
      remainingTokens: V1.remaining - V1.held,
    });
    await expectAuditOk(stub);
  });

  it('answers the keys version 1 stored, and new keys ride on their rows', async () => {
    const stub = await upgradedFixture(newUserId('v2'));
    const old = { agent: 'code', model: 'haiku', inputTokens: 1_200, outputTokens: 300 };
    const replay = await stub.recordUsage({ ...old, idempotencyKey: idempotencyKeys.usage('fixture-usage-1') });
    expect(replay).toMatchObject({ ok: true, value: { replayed: true, result: { seq: 3 } } });
    const reused = await stub.recordUsage({
      ...old,
      inputTokens: 1,
      idempotencyKey: idempotencyKeys.usage('fixture-usage-1'),
    });
    expect(reused).toMatchObject({ ok: false, failure: { code: 'idempotency_key_reused' } });
    const hold = await stub.reserve({
      agent: 'ppt',
      model: 'haiku',
      estimatedTokens: 2_000,
      ttlSeconds: 3600,
      idempotencyKey: idempotencyKeys.reservation('fixture-hold-3'),
    });
    expect(hold).toMatchObject({ ok: true, value: { replayed: true, result: { id: 3, status: 'open' } } });
    const recommitted = await stub.commitReservation({ reservationId: 1, inputTokens: 900, outputTokens: 400 });
    expect(recommitted).toMatchObject({ ok: true, value: { replayed: true } });

    // New mutations: their keys are on their rows, not in the table.
    const charged = await stub.recordUsage({ ...old, idempotencyKey: idempotencyKeys.usage('after-upgrade') });
    expect(charged).toMatchObject({ ok: true, value: { replayed: false, result: { seq: V1.lastSeq + 1 } } });
    const committed = await stub.commitReservation({ reservationId: 3, inputTokens: 700, outputTokens: 300 });
    expect(committed).toMatchObject({ ok: true, value: { replayed: false } });
    const again = await stub.commitReservation({ reservationId: 3, inputTokens: 700, outputTokens: 300 });
    expect(again).toMatchObject({ ok: true, value: { replayed: true } });
    const tableKeys = await runInDurableObject(stub, (_i, state) =>
      Number(state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM idempotency_keys').one().n),
    );
    expect(tableKeys).toBe(fixture.tables.idempotency_keys!.rows.length);
    await expectAuditOk(stub);
  });

  it('sends D1 only the usage written after the upgrade (what came before went through the outbox)', async () => {
    const userId = newUserId('v2');
    const stub = await upgradedFixture(userId);
    const charged = await stub.recordUsage({
      agent: 'code',
      model: 'haiku',
      inputTokens: 100,
      outputTokens: 50,
      idempotencyKey: idempotencyKeys.usage('after-upgrade'),
    });
    expect(charged.ok).toBe(true);
    await drainFacts(stub);
    const d1 = await env.DB.prepare(
      'SELECT SUM(requests) AS requests, SUM(tokens) AS tokens FROM analytics_user_daily WHERE user_id = ?',
    )
      .bind(userId)
      .first();
    expect(d1).toEqual({ requests: 1, tokens: 150 });
  });
});
