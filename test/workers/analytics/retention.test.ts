// What the object forgets on its alarm: flushed outbox rows at once, and the keys table's usage and
// reservation keys (written before keys rode on their rows) after the replay window; never the keys
// that guard credits, and never a key its row carries. The audit holds throughout.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { USAGE_KEY_REPLAY_WINDOW_MS } from '../../../src/money/limits';
import { drainFacts, waitingFacts } from '../../support/analyticsHelpers';
import { accountStub, expectAuditOk, newUserId, setClock, type AccountStub } from '../../support/helpers';

const T = (iso: string) => Date.parse(iso);
const DAY_MS = 86_400_000;

async function keys(stub: AccountStub): Promise<string[]> {
  return runInDurableObject(stub, (_i, state) =>
    state.storage.sql
      .exec<{ key: string }>('SELECT key FROM idempotency_keys ORDER BY key')
      .toArray()
      .map((r) => r.key),
  );
}

const usage = (key: string) => ({
  agent: 'code',
  model: 'haiku',
  inputTokens: 100,
  outputTokens: 100,
  idempotencyKey: idempotencyKeys.usage(key),
});

describe('retention on the alarm', () => {
  it('keeps usage and reservation keys with their rows: a retry past the replay window answers the first result', async () => {
    const start = T('2037-03-02T00:00:00Z');
    const stub = accountStub(newUserId('retain'));
    await setClock(stub, start);
    const first = await stub.recordUsage(usage('old'));
    if (!first.ok) throw new Error(first.failure.message);
    const held = await stub.reserve({
      agent: 'code',
      model: 'haiku',
      estimatedTokens: 100,
      ttlSeconds: 3_600,
      idempotencyKey: idempotencyKeys.reservation('held'),
    });
    if (!held.ok) throw new Error(held.failure.message);
    expect(
      (
        await stub.credit({
          source: 'bonus',
          transactionType: 'bonus',
          tokens: 1_000,
          description: 'kept forever',
          expiresAt: null,
          idempotencyKey: idempotencyKeys.adminGrant('grant-1'),
        })
      ).ok,
    ).toBe(true);
    await drainFacts(stub);
    expect(await waitingFacts(stub)).toBe(0);
    // Only the credit's key has a row of its own; the usage and reservation keys ride on their rows.
    expect(await keys(stub)).toEqual(['admin-grant:grant-1']);

    await setClock(stub, start + USAGE_KEY_REPLAY_WINDOW_MS + DAY_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const again = await stub.recordUsage(usage('old'));
    expect(again).toMatchObject({ ok: true, value: { replayed: true, result: { seq: first.value.result.seq } } });
    expect(
      await stub.reserve({ ...usage('x'), estimatedTokens: 100, idempotencyKey: idempotencyKeys.reservation('held') }),
    ).toMatchObject({
      ok: false,
      failure: { code: 'idempotency_key_reused' },
    });
    expect(await keys(stub)).toEqual(['admin-grant:grant-1']);
    await expectAuditOk(stub);
  });

  it('drops the keys table’s usage and reservation keys after the window, keeps credit keys', async () => {
    const start = T('2037-05-02T00:00:00Z');
    const stub = accountStub(newUserId('retain-legacy'));
    await setClock(stub, start);
    const used = await stub.recordUsage(usage('new'));
    const settled = await stub.reserve({
      agent: 'code',
      model: 'haiku',
      estimatedTokens: 100,
      ttlSeconds: 3_600,
      idempotencyKey: idempotencyKeys.reservation('settled'),
    });
    if (!used.ok || !settled.ok) throw new Error('refused');
    expect(
      (await stub.commitReservation({ reservationId: settled.value.result.id, inputTokens: 50, outputTokens: 0 })).ok,
    ).toBe(true);
    // Keys as an earlier version stored them, in the table, for the same rows.
    await runInDurableObject(stub, (_i, state) => {
      const insert = 'INSERT INTO idempotency_keys (key, fingerprint, seq, outcome) VALUES (?, ?, ?, ?)';
      state.storage.sql.exec(insert, 'u:legacy', 'f', used.value.result.seq, null);
      state.storage.sql.exec(insert, 'hold:legacy', 'f', null, String(settled.value.result.id));
      state.storage.sql.exec(insert, 'hold-commit:999', 'f', 1, null);
      state.storage.sql.exec(insert, 'promo:KEEP', 'f', 1, null);
    });
    await setClock(stub, start + USAGE_KEY_REPLAY_WINDOW_MS + DAY_MS);
    await drainFacts(stub);
    await runDurableObjectAlarm(stub);
    // The reservation 999 never existed: its key stays with the credit key until a reservation settles it.
    expect(await keys(stub)).toEqual(['hold-commit:999', 'promo:KEEP']);
    // A settled reservation still refuses a different settlement.
    expect(
      await stub.commitReservation({ reservationId: settled.value.result.id, inputTokens: 1, outputTokens: 0 }),
    ).toMatchObject({ ok: false, failure: { code: 'idempotency_key_reused' } });
    await expectAuditOk(stub);
  });
});
