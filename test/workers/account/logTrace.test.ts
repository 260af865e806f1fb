// The object's log lines are filed under the request that caused them (the Worker's X-Request-Id
// travels with every RPC) or, for alarm work, under that run's own id. A D1 binding that fails every
// call (a fake outage) makes the object log "catalog unreadable", which is what these tests read.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UserAccount } from '../../../src/account/UserAccount';
import { breakD1 } from '../../support/outage';
import { accountStub, asAdmin, newUserId, setClock } from '../../support/helpers';

function warnings(spy: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
  return spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
}

const planChange = { planId: 'basic', when: 'now' as const, reason: 'up', idempotencyKey: null };

describe('the object’s log lines', () => {
  afterEach(() => vi.restoreAllMocks());

  it('carry the request id the RPC brought', async () => {
    const stub = accountStub(newUserId('trace'));
    expect((await stub.balance({ openIfNew: true })).ok).toBe(true);
    const restore = await breakD1(stub);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const refused = await stub.changePlan(planChange, { requestId: 'req-from-the-worker' });
      expect(refused).toMatchObject({ ok: false, failure: { code: 'catalog_unavailable' } });
    } finally {
      await restore();
    }
    expect(warnings(warn)).toContainEqual(
      expect.objectContaining({ level: 'warn', what: 'catalog unreadable', request_id: 'req-from-the-worker' }),
    );
  });

  it('carry the X-Request-Id of the HTTP request that caused them', async () => {
    const user = newUserId('trace');
    const stub = accountStub(user);
    expect((await stub.balance({ openIfNew: true })).ok).toBe(true);
    const restore = await breakD1(stub);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    let requestId: string | null;
    try {
      const response = await asAdmin(`/api/v1/admin/users/${user}/plan`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ plan_id: 'basic', effective: 'now' }),
      });
      expect(response.status).toBe(503);
      requestId = response.headers.get('X-Request-Id');
    } finally {
      await restore();
    }
    expect(requestId).not.toBeNull();
    expect(warnings(warn)).toContainEqual(
      expect.objectContaining({ what: 'catalog unreadable', request_id: requestId }),
    );
  });

  it('of an alarm share that run’s own id', async () => {
    const stub = accountStub(newUserId('trace'));
    await setClock(stub, Date.parse('2027-03-20T00:00:00Z'));
    expect((await stub.balance({ openIfNew: true })).ok).toBe(true);
    const restore = await breakD1(stub);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await setClock(stub, Date.parse('2027-04-01T00:00:00Z'));
      expect(await runDurableObjectAlarm(stub)).toBe(true);
    } finally {
      await restore();
      await runInDurableObject(
        stub,
        (instance) => void ((instance as unknown as UserAccount).clock = () => Date.now()),
      );
    }
    const lines = warnings(warn).filter((line) => line.what === 'catalog unreadable');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]!.run_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[0]!.request_id).toBeUndefined();
    expect(new Set(lines.map((line) => line.run_id)).size).toBe(1);
  });
});
