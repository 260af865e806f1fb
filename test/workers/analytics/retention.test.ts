// What the object forgets on its alarm: flushed outbox rows at once, usage idempotency keys after
// the replay window; never the keys that guard credits. The audit holds throughout.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import { USAGE_KEY_REPLAY_WINDOW_MS } from '../../../src/money/limits';
import { drainOutbox, outboxCount } from '../../support/analyticsHelpers';
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
  it('drops usage keys after the replay window, keeps credit keys, and the audit stays true', async () => {
    const start = T('2037-03-02T00:00:00Z');
    const stub = accountStub(newUserId('retain'));
    await setClock(stub, start);
    expect((await stub.recordUsage(usage('old'))).ok).toBe(true);
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
    await drainOutbox(stub);
    expect(await outboxCount(stub)).toBe(0); // flushed rows leave the outbox at once

    // Inside the window a replay answers the first result and charges nothing.
    await setClock(stub, start + USAGE_KEY_REPLAY_WINDOW_MS - DAY_MS);
    expect(await stub.recordUsage(usage('old'))).toMatchObject({ ok: true, value: { replayed: true } });
    expect((await stub.recordUsage(usage('recent'))).ok).toBe(true);
    await drainOutbox(stub);
    expect(await keys(stub)).toEqual(['admin-grant:grant-1', 'u:old', 'u:recent']);

    // Past the window the alarm's retention pass drops the old usage key only.
    await setClock(stub, start + USAGE_KEY_REPLAY_WINDOW_MS + DAY_MS);
    expect((await stub.recordUsage(usage('newest'))).ok).toBe(true);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await keys(stub)).toEqual(['admin-grant:grant-1', 'u:newest', 'u:recent']);
    expect(await outboxCount(stub)).toBe(0);
    await expectAuditOk(stub);
  });

  it('drops the keys of settled holds after the window, keeps those of an open one', async () => {
    const start = T('2037-05-02T00:00:00Z');
    const stub = accountStub(newUserId('retain-holds'));
    await setClock(stub, start);
    const reservation = (key: string) => ({
      agent: 'code',
      model: 'haiku',
      estimatedTokens: 100,
      ttlSeconds: 3_600,
      idempotencyKey: idempotencyKeys.reservation(key),
    });
    const settled = await stub.reserve(reservation('settled'));
    const released = await stub.reserve(reservation('released'));
    if (!settled.ok || !released.ok) throw new Error('reserve refused');
    expect(
      (await stub.commitReservation({ reservationId: settled.value.result.id, inputTokens: 50, outputTokens: 0 })).ok,
    ).toBe(true);
    expect((await stub.releaseReservation(released.value.result.id)).ok).toBe(true);
    await setClock(stub, start + USAGE_KEY_REPLAY_WINDOW_MS + DAY_MS);
    const open = await stub.reserve({ ...reservation('open'), ttlSeconds: 3_600 });
    expect(open.ok).toBe(true);
    await drainOutbox(stub);
    await runDurableObjectAlarm(stub);
    expect((await keys(stub)).filter((k) => k.startsWith('hold'))).toEqual(['hold:open']);
    // A settled reservation still refuses a different settlement with its key gone.
    expect(
      await stub.commitReservation({ reservationId: settled.value.result.id, inputTokens: 1, outputTokens: 0 }),
    ).toMatchObject({
      ok: false,
      failure: { code: 'conflict' },
    });
    await expectAuditOk(stub);
  });
});
