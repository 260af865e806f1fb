// The object keeps the state a decision starts from between requests: every mutation leaves behind
// its draft's state instead of reloading it. That is only sound if the draft's state is what the
// tables hold, so after every kind of mutation this compares the cached state with a fresh load.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../../src/account/contract/keys';
import type { AccountState } from '../../../src/account/core/draft';
import { dayOf } from '../../../src/money/period';
import { accountStub, expectAuditOk, newUserId, type AccountStub } from '../../support/helpers';

interface StoreInside {
  shell: { clock: () => number; store: { state(day: string): AccountState; forget(): void } };
}

/** The state the object would decide from next, and the same state read afresh from its tables. */
async function cachedAndFresh(stub: AccountStub): Promise<{ cached: AccountState; fresh: AccountState }> {
  return runInDurableObject(stub, (instance) => {
    const { store, clock } = (instance as unknown as StoreInside).shell;
    const day = dayOf(clock());
    const cached = structuredClone(store.state(day));
    store.forget();
    return { cached, fresh: store.state(day) };
  });
}

/** The state's grants and reservations in id order: the cache and the tables may list them in any. */
function normalised(state: AccountState): AccountState {
  return {
    ...state,
    grants: [...state.grants].sort((a, b) => a.id - b.id),
    reservations: [...state.reservations].sort((a, b) => a.id - b.id),
  };
}

async function expectCacheTrue(stub: AccountStub, after: string): Promise<void> {
  const { cached, fresh } = await cachedAndFresh(stub);
  expect(normalised(cached), `the cached state after ${after}`).toEqual(normalised(fresh));
}

describe('the state kept between requests', () => {
  it('equals a fresh load after every kind of mutation', async () => {
    const stub = accountStub(newUserId('state-cache'));
    const ok = (result: { ok: boolean }, what: string) => expect(result.ok, what).toBe(true);

    ok(
      await stub.credit({
        source: 'bonus',
        transactionType: 'bonus',
        tokens: 30_000,
        description: 'welcome',
        expiresAt: Date.now() + 30 * 86_400_000,
        idempotencyKey: idempotencyKeys.adminGrant(crypto.randomUUID()),
      }),
      'credit',
    );
    await expectCacheTrue(stub, 'a credit');

    const usage = {
      agent: 'code',
      model: 'haiku',
      inputTokens: 900,
      outputTokens: 100,
      idempotencyKey: idempotencyKeys.usage(crypto.randomUUID()),
    };
    ok(await stub.recordUsage(usage), 'usage');
    ok(await stub.recordUsage(usage), 'usage replayed');
    await expectCacheTrue(stub, 'usage and its replay');

    const refused = await stub.recordUsage({
      ...usage,
      inputTokens: 9_000,
      idempotencyKey: idempotencyKeys.usage('x'),
    });
    expect(refused.ok).toBe(false);
    await expectCacheTrue(stub, 'a refused usage');

    const held = await stub.reserve({
      agent: 'srs',
      model: 'haiku',
      estimatedTokens: 1_500,
      idempotencyKey: idempotencyKeys.reservation(crypto.randomUUID()),
    });
    if (!held.ok) throw new Error(held.failure.message);
    await expectCacheTrue(stub, 'a reservation');
    ok(
      await stub.commitReservation({ reservationId: held.value.result.id, inputTokens: 1_000, outputTokens: 800 }),
      'commit',
    );
    await expectCacheTrue(stub, 'a commit above the hold');

    const released = await stub.reserve({
      agent: 'uml',
      model: 'haiku',
      estimatedTokens: 700,
      idempotencyKey: idempotencyKeys.reservation(crypto.randomUUID()),
    });
    if (!released.ok) throw new Error(released.failure.message);
    ok(await stub.releaseReservation(released.value.result.id), 'release');
    await expectCacheTrue(stub, 'a release');

    ok(
      await stub.redeemPromo({
        code: 'CACHE10',
        attemptId: crypto.randomUUID(),
        tokens: 2_000,
        grantValidityDays: null,
        allowedPlans: null,
      }),
      'promo',
    );
    await expectCacheTrue(stub, 'a promo credit');

    ok(
      await stub.changePlan({
        planId: 'basic',
        when: 'now',
        reason: 'upgrade',
        idempotencyKey: idempotencyKeys.adminPlan(crypto.randomUUID()),
      }),
      'plan change',
    );
    await expectCacheTrue(stub, 'a plan change');

    const project = await stub.createProject({
      title: 'Cache',
      mode: 'student',
      description: null,
      model: 'haiku',
      agents: ['idea', 'srs'],
      idempotencyKey: idempotencyKeys.projectCreate(crypto.randomUUID()),
    });
    if (!project.ok) throw new Error(project.failure.message);
    const projectId = project.value.result.id;
    ok(await stub.startProjectRun({ projectId, runId: 'r1' }), 'run start');
    const step = await stub.reserveProjectStep({
      projectId,
      runId: 'r1',
      agent: 'idea',
      estimatedTokens: 1_000,
      ttlSeconds: 120,
    });
    if (!step.ok) throw new Error(step.failure.message);
    await expectCacheTrue(stub, "a project step's reservation");
    ok(
      await stub.commitProjectStep({
        projectId,
        agent: 'idea',
        reservationId: step.value.result.reservation.id,
        inputTokens: 600,
        outputTokens: 300,
      }),
      'step commit',
    );
    await expectCacheTrue(stub, "a project step's commit");
    const next = await stub.reserveProjectStep({
      projectId,
      runId: 'r1',
      agent: 'srs',
      estimatedTokens: 1_000,
      ttlSeconds: 120,
    });
    if (!next.ok) throw new Error(next.failure.message);
    ok(
      await stub.failProjectStep({
        projectId,
        agent: 'srs',
        reservationId: next.value.result.reservation.id,
        error: 'model down',
      }),
      'step failure',
    );
    await expectCacheTrue(stub, 'a failed project step');
    await expectAuditOk(stub);
  });
});
