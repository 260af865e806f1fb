// The object depends on D1 only where a decision needs the catalog. With a D1 binding that fails
// every call (a fake standing in for an outage), balance, history, audit and usage keep working,
// a plan change says the catalog is unavailable, and a reset keeps the account's stored terms.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import type { UserAccount } from '../../../src/account/UserAccount';
import { breakD1 } from '../../support/outage';
import { accountStub, newUserId, setClock } from '../../support/helpers';

const usage = (key: string) => ({
  agent: 'code',
  model: 'sonnet',
  inputTokens: 1_000,
  outputTokens: 500,
  idempotencyKey: idempotencyKeys.usage(key),
});

describe('a D1 outage (failing binding)', () => {
  it('leaves balance, history, audit and usage working, priced from the object’s own copy', async () => {
    const stub = accountStub(newUserId('outage'));
    expect((await stub.recordUsage(usage('before'))).ok).toBe(true);
    const restore = await breakD1(stub);
    try {
      const charged = await stub.recordUsage(usage('during'));
      expect(charged).toMatchObject({ ok: true, value: { replayed: false, result: { costUsdMicros: 10_500 } } });
      expect(await stub.balance()).toMatchObject({ ok: true, value: { remainingTokens: 7_000 } });
      expect(await stub.transactions({ limit: 10 })).toMatchObject({ ok: true });
      expect(await stub.audit()).toMatchObject({ ok: true, value: { ok: true } });
      expect(await stub.changePlan({ planId: 'basic', when: 'now', reason: 'up', idempotencyKey: null })).toMatchObject(
        {
          ok: false,
          failure: { code: 'catalog_unavailable' },
        },
      );
    } finally {
      await restore();
    }
  });

  it('lets a reset happen on the stored terms when the catalog cannot be read', async () => {
    const stub = accountStub(newUserId('outage'));
    await setClock(stub, Date.parse('2027-03-20T00:00:00Z'));
    expect((await stub.changePlan({ planId: 'basic', when: 'now', reason: 'up', idempotencyKey: null })).ok).toBe(true);
    const restore = await breakD1(stub);
    try {
      await setClock(stub, Date.parse('2027-04-01T00:00:00Z'));
      const balance = await stub.balance();
      expect(balance).toMatchObject({
        ok: true,
        value: { plan: { id: 'basic' }, monthlyAllowance: 50_000, rolloverTokens: 25_000 },
      });
      expect(await stub.audit()).toMatchObject({ ok: true, value: { ok: true } });
    } finally {
      await restore();
      await runInDurableObject(
        stub,
        (instance) => void ((instance as unknown as UserAccount).clock = () => Date.now()),
      );
    }
  });

  it('refuses to open a brand-new account without the catalog, opening nothing', async () => {
    const stub = accountStub(newUserId('outage'));
    const restore = await breakD1(stub);
    try {
      expect(await stub.recordUsage(usage('first'))).toMatchObject({
        ok: false,
        failure: { code: 'catalog_unavailable' },
      });
    } finally {
      await restore();
    }
    expect(await stub.balance()).toMatchObject({ ok: false, failure: { code: 'not_found' } });
  });
});
