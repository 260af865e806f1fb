import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { migrateAccountSchema } from '../src/account/schema';
import { accountStub, auditOf, newUserId, postUsage } from './helpers';

const usage = { agent: 'code', model: 'haiku', input_tokens: 100, output_tokens: 50 };

describe('account schema upgrade', () => {
  it('moves idempotency keys of an account written before idempotency_keys; they still replay', async () => {
    const user = newUserId();
    expect((await postUsage(user, usage, 'key-1')).status).toBe(200);
    expect((await postUsage(user, usage, 'key-2')).status).toBe(200);

    // Put the object back in the layout of the previous schema version: keys in transactions.idem_key.
    await runInDurableObject(accountStub(user), (_instance, state) => {
      const sql = state.storage.sql;
      const keys = sql.exec<{ key: string; seq: number }>('SELECT key, seq FROM idempotency_keys').toArray();
      expect(keys.map((k) => k.key).sort()).toEqual(['u:key-1', 'u:key-2']);
      sql.exec('DROP TABLE idempotency_keys');
      for (const { key, seq } of keys) sql.exec('UPDATE transactions SET idem_key = ? WHERE seq = ?', key, seq);
      sql.exec('CREATE UNIQUE INDEX transactions_idem ON transactions (idem_key) WHERE idem_key IS NOT NULL');
      sql.exec('UPDATE schema_version SET version = version - 1');

      migrateAccountSchema(sql, state.storage);
      expect(sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM transactions WHERE idem_key IS NOT NULL').one().n).toBe(
        0,
      );
      const moved = sql
        .exec<{ key: string; seq: number }>('SELECT key, seq FROM idempotency_keys ORDER BY seq')
        .toArray();
      expect(moved).toEqual([...keys].sort((a, b) => a.seq - b.seq));
    });

    const replay = await postUsage(user, usage, 'key-1');
    expect(await replay.json<any>()).toMatchObject({ replayed: true });
    expect((await postUsage(user, { ...usage, input_tokens: 1 }, 'key-2')).status).toBe(409);
    expect((await postUsage(user, usage, 'key-3')).status).toBe(200);
    expect((await auditOf(user)).ok).toBe(true);
  });
});
