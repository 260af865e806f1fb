import { describe, expect, it } from 'vitest';
import { drive } from '../../support/drive';
import { accountStub, expectAuditOk, newUserId, setClock, setPlan, type AccountStub } from '../../support/helpers';
import {
  deliverOk,
  paidInvoice,
  stripeEvent,
  subscriptionObject,
  subscriptionSession,
} from '../../support/stripeHelpers';

// Two live subscriptions (checkouts opened before the one-subscription rule, or by hand in Stripe's
// Dashboard): the account names the one that gives it its plan, and only that one's end takes it away.
const T = (iso: string) => Date.parse(iso);
const S = (iso: string) => Math.floor(T(iso) / 1000);
const subId = () => `sub_test_${crypto.randomUUID().slice(0, 8)}`;

async function subscriberAt(iso: string): Promise<{ user: string; stub: AccountStub }> {
  const user = newUserId('plan-sub');
  const stub = accountStub(user);
  await setClock(stub, T(iso));
  await drive(stub).balance();
  return { user, stub };
}

async function planOf(stub: AccountStub) {
  const { plan } = await drive(stub).balance();
  return { plan_id: plan.plan_id, pending_plan_id: plan.pending_plan_id };
}

const started = (user: string, planId: string, sub: string, at: string) =>
  deliverOk(stripeEvent('checkout.session.completed', subscriptionSession(user, planId, sub), { created: S(at) }));
const deleted = (user: string, planId: string, sub: string, at: string) =>
  deliverOk(
    stripeEvent('customer.subscription.deleted', subscriptionObject(user, sub, planId, 'canceled'), {
      created: S(at),
    }),
  );

describe('the subscription that gives the plan', () => {
  it('keeps the plan when another subscription ends while the one that gave it still pays', async () => {
    const { user, stub } = await subscriberAt('2027-03-10T10:00:00Z');
    const a = subId();
    const b = subId();
    await started(user, 'basic', a, '2027-03-10T10:00:00Z');
    expect((await started(user, 'basic', b, '2027-03-10T10:05:00Z')).result).toBe('recorded');

    // B ends: A still gives the plan.
    expect((await deleted(user, 'basic', b, '2027-03-11T10:00:00Z')).result).toBe('recorded');
    expect(await planOf(stub)).toEqual({ plan_id: 'basic', pending_plan_id: null });
    await expectAuditOk(stub);
  });

  it('passes the plan to the subscription still paying when the one that gave it ends, instead of scheduling free', async () => {
    const { user, stub } = await subscriberAt('2027-03-10T10:00:00Z');
    const a = subId();
    const b = subId();
    await started(user, 'basic', a, '2027-03-10T10:00:00Z');
    await started(user, 'basic', b, '2027-03-10T10:05:00Z');

    // A (the one that started the plan) ends while B pays: the plan stays, now from B.
    await deleted(user, 'basic', a, '2027-03-11T10:00:00Z');
    expect(await planOf(stub)).toEqual({ plan_id: 'basic', pending_plan_id: null });
    // A late renewal of A changes nothing (it ended); B's renewal keeps the plan.
    const period = { start: T('2027-04-10T10:00:00Z'), end: T('2027-05-10T10:00:00Z') };
    await deliverOk(stripeEvent('invoice.paid', paidInvoice(user, b, 'basic', period)));
    expect(await planOf(stub)).toEqual({ plan_id: 'basic', pending_plan_id: null });

    // B ends too: now, and only now, back to free at the next reset.
    const last = await deleted(user, 'basic', b, '2027-03-12T10:00:00Z');
    expect(last).toMatchObject({ result: 'plan_ending', plan_id: 'basic', pending_plan_id: 'free' });
    await expectAuditOk(stub);
  });

  it('a second subscription to another plan does not take the plan from the one paying for it, and takes over when it ends', async () => {
    const { user, stub } = await subscriberAt('2027-03-10T10:00:00Z');
    const a = subId();
    const b = subId();
    await started(user, 'pro_monthly', a, '2027-03-10T10:00:00Z');
    expect((await started(user, 'basic', b, '2027-03-10T10:05:00Z')).result).toBe('recorded');
    expect(await planOf(stub)).toEqual({ plan_id: 'pro_monthly', pending_plan_id: null });
    // A ends: the plan passes to B's, a downgrade, so at the next reset; never to free.
    await deleted(user, 'pro_monthly', a, '2027-03-11T10:00:00Z');
    expect(await planOf(stub)).toEqual({ plan_id: 'pro_monthly', pending_plan_id: 'basic' });
    await expectAuditOk(stub);
  });

  it('an operator’s plan is nobody’s subscription: a subscription ending later leaves it alone', async () => {
    const { user, stub } = await subscriberAt('2027-03-10T10:00:00Z');
    const a = subId();
    await started(user, 'basic', a, '2027-03-10T10:00:00Z');
    expect((await setPlan(user, 'pro_monthly', 'now')).status).toBe(200);
    await deleted(user, 'basic', a, '2027-03-11T10:00:00Z');
    expect(await planOf(stub)).toEqual({ plan_id: 'pro_monthly', pending_plan_id: null });
  });
});
