import { drive } from '../../support/drive';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  accountStub,
  asAdmin,
  expectAuditOk,
  newUserId,
  setClock,
  type AccountStub,
  createPaidPlan,
} from '../../support/helpers';
import {
  deliver,
  deliverOk,
  paidInvoice,
  stripeEvent,
  subscriptionObject,
  subscriptionSession,
} from '../../support/stripeHelpers';

// Timelines start in 2027, after the real clock, so no alarm fires on its own. The object's clock
// decides which paid period is current; event `created` times order subscription events.
const T = (iso: string) => Date.parse(iso);
const S = (iso: string) => Math.floor(T(iso) / 1000);
type Stub = AccountStub;

async function subscriberAt(iso: string): Promise<{ user: string; stub: Stub; sub: string }> {
  const user = newUserId('sub');
  const stub = accountStub(user);
  await setClock(stub, T(iso));
  await drive(stub).balance();
  return { user, stub, sub: `sub_test_${crypto.randomUUID().slice(0, 8)}` };
}

async function planOf(stub: Stub) {
  const { plan, balance } = await drive(stub).balance();
  return { plan_id: plan.plan_id, pending_plan_id: plan.pending_plan_id, monthly_allowance: balance.monthly_allowance };
}

describe('Stripe subscriptions drive the plan', () => {
  it('starts the plan when the subscription checkout is paid, with this month’s allowance topped up', async () => {
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    const body = await deliverOk(
      stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub), {
        created: S('2027-01-15T10:00:00Z'),
      }),
    );
    expect(body).toMatchObject({ received: true, result: 'plan_started', plan_id: 'basic', pending_plan_id: null });
    expect(await planOf(stub)).toEqual({ plan_id: 'basic', pending_plan_id: null, monthly_allowance: 50000 });
    await expectAuditOk(stub);
  });

  it('starts the plan once when the checkout event is delivered 10 times at once', async () => {
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    const event = stripeEvent('checkout.session.completed', subscriptionSession(user, 'pro_monthly', sub));
    const results = await Promise.all(
      Array.from({ length: 10 }, async () => (await (await deliver(event)).json<any>()).result),
    );
    expect(results.filter((r) => r === 'plan_started')).toHaveLength(1);
    expect(results.filter((r) => r === 'duplicate_event')).toHaveLength(9);
    const changes = (await drive(stub).transactions({ limit: 100, type: 'plan_change' })).transactions;
    expect(changes).toHaveLength(1);
    expect(await planOf(stub)).toEqual({ plan_id: 'pro_monthly', pending_plan_id: null, monthly_allowance: 250000 });
  });

  it('keeps the plan through resets while renewal invoices are paid', async () => {
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    await deliverOk(stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub)));
    await deliverOk(
      stripeEvent(
        'invoice.paid',
        paidInvoice(
          user,
          sub,
          'basic',
          { start: T('2027-01-15T10:00:00Z'), end: T('2027-02-15T10:00:00Z') },
          'subscription_create',
        ),
      ),
    );

    await setClock(stub, T('2027-02-01T00:00:00Z'));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await planOf(stub)).toEqual({ plan_id: 'basic', pending_plan_id: null, monthly_allowance: 50000 });

    await setClock(stub, T('2027-02-15T10:00:05Z'));
    const renewal = await deliverOk(
      stripeEvent(
        'invoice.paid',
        paidInvoice(user, sub, 'basic', { start: T('2027-02-15T10:00:00Z'), end: T('2027-03-15T10:00:00Z') }),
      ),
    );
    expect(renewal).toMatchObject({ result: 'plan_renewed', plan_id: 'basic' });
    const paidThrough = await runInDurableObject(
      stub,
      (_i, state) =>
        state.storage.sql
          .exec<{ paid_through: number }>(
            'SELECT paid_through FROM stripe_subscriptions WHERE subscription_id = ?',
            sub,
          )
          .one().paid_through,
    );
    expect(paidThrough).toBe(T('2027-03-15T10:00:00Z'));
    await expectAuditOk(stub);
  });

  it('moves with the subscription: an upgrade applies at once, a downgrade at the next reset', async () => {
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    await deliverOk(
      stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub), {
        created: S('2027-01-15T10:00:00Z'),
      }),
    );

    const up = await deliverOk(
      stripeEvent('customer.subscription.updated', subscriptionObject(user, sub, 'pro_monthly'), {
        created: S('2027-01-16T00:00:00Z'),
      }),
    );
    expect(up).toMatchObject({ result: 'plan_changed', plan_id: 'pro_monthly', pending_plan_id: null });
    expect((await planOf(stub)).monthly_allowance).toBe(250000);

    // A switch that replaces the price names the plan on the price.
    const down = await deliverOk(
      stripeEvent(
        'customer.subscription.updated',
        subscriptionObject(user, sub, 'pro_monthly', 'active', { pricePlanId: 'basic' }),
        { created: S('2027-01-17T00:00:00Z') },
      ),
    );
    expect(down).toMatchObject({ result: 'plan_changed', plan_id: 'pro_monthly', pending_plan_id: 'basic' });
    // A renewal paid meanwhile keeps the scheduled switch and writes no further plan change.
    const changes = async () =>
      (await drive(stub).transactions({ limit: 100, type: 'plan_change' })).transactions.length;
    const before = await changes();
    const renewal = await deliverOk(
      stripeEvent(
        'invoice.paid',
        paidInvoice(user, sub, 'basic', { start: T('2027-01-17T00:00:00Z'), end: T('2027-02-17T00:00:00Z') }),
      ),
    );
    expect(renewal).toMatchObject({ result: 'plan_renewed', plan_id: 'pro_monthly', pending_plan_id: 'basic' });
    expect(await changes()).toBe(before);
    await setClock(stub, T('2027-02-01T00:00:00Z'));
    await runDurableObjectAlarm(stub);
    expect(await planOf(stub)).toEqual({ plan_id: 'basic', pending_plan_id: null, monthly_allowance: 50000 });
    await expectAuditOk(stub);
  });

  it('goes back to free at the next reset when the subscription is deleted', async () => {
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    await deliverOk(
      stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub), {
        created: S('2027-01-15T10:00:00Z'),
      }),
    );
    const deleted = await deliverOk(
      stripeEvent('customer.subscription.deleted', subscriptionObject(user, sub, 'basic', 'canceled'), {
        created: S('2027-01-20T00:00:00Z'),
      }),
    );
    expect(deleted).toMatchObject({ result: 'plan_ending', plan_id: 'basic', pending_plan_id: 'free' });
    await setClock(stub, T('2027-02-01T00:00:00Z'));
    await runDurableObjectAlarm(stub);
    expect(await planOf(stub)).toEqual({ plan_id: 'free', pending_plan_id: null, monthly_allowance: 10000 });
  });

  it('never resurrects a cancelled plan: a late invoice.paid for the old period, or an older update, changes nothing', async () => {
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    const firstPeriod = { start: T('2027-01-15T10:00:00Z'), end: T('2027-02-15T10:00:00Z') };
    await deliverOk(
      stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub), {
        created: S('2027-01-15T10:00:00Z'),
      }),
    );

    await setClock(stub, T('2027-01-25T00:00:00Z'));
    await deliverOk(
      stripeEvent('customer.subscription.deleted', subscriptionObject(user, sub, 'basic', 'canceled'), {
        created: S('2027-01-25T00:00:00Z'),
      }),
    );
    expect(await planOf(stub)).toMatchObject({ plan_id: 'basic', pending_plan_id: 'free' });

    // Stripe retried the first invoice's event days late, and an update from before the cancellation.
    const late = await deliverOk(
      stripeEvent('invoice.paid', paidInvoice(user, sub, 'basic', firstPeriod, 'subscription_create'), {
        created: S('2027-01-15T10:00:01Z'),
      }),
    );
    expect(late).toMatchObject({ result: 'subscription_ended', pending_plan_id: 'free' });
    const older = await deliverOk(
      stripeEvent('customer.subscription.updated', subscriptionObject(user, sub, 'basic', 'active'), {
        created: S('2027-01-16T00:00:00Z'),
      }),
    );
    expect(older).toMatchObject({ result: 'subscription_ended', pending_plan_id: 'free' });
    // Even a paid invoice for a period that is still running cannot bring an ended subscription back.
    const current = await deliverOk(
      stripeEvent(
        'invoice.paid',
        paidInvoice(user, sub, 'basic', { start: T('2027-01-24T00:00:00Z'), end: T('2027-02-24T00:00:00Z') }),
      ),
    );
    expect(current.result).toBe('subscription_ended');

    await setClock(stub, T('2027-02-01T00:00:00Z'));
    await runDurableObjectAlarm(stub);
    expect(await planOf(stub)).toEqual({ plan_id: 'free', pending_plan_id: null, monthly_allowance: 10000 });
    await expectAuditOk(stub);
  });

  it('does not start a plan whose subscription was deleted before the checkout event arrived', async () => {
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    await deliverOk(
      stripeEvent('customer.subscription.deleted', subscriptionObject(user, sub, 'basic', 'canceled'), {
        created: S('2027-01-15T10:05:00Z'),
      }),
    );
    const checkout = await deliverOk(
      stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub), {
        created: S('2027-01-15T10:00:00Z'),
      }),
    );
    expect(checkout.result).toBe('subscription_ended');
    expect(await planOf(stub)).toEqual({ plan_id: 'free', pending_plan_id: null, monthly_allowance: 10000 });
  });

  it('ignores a subscription update older than the last one applied', async () => {
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    await deliverOk(
      stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub), {
        created: S('2027-01-15T10:00:00Z'),
      }),
    );
    const unpaid = await deliverOk(
      stripeEvent('customer.subscription.updated', subscriptionObject(user, sub, 'basic', 'unpaid'), {
        created: S('2027-01-20T00:00:00Z'),
      }),
    );
    expect(unpaid).toMatchObject({ result: 'plan_ending', pending_plan_id: 'free' });
    const stale = await deliverOk(
      stripeEvent('customer.subscription.updated', subscriptionObject(user, sub, 'basic', 'active'), {
        created: S('2027-01-18T00:00:00Z'),
      }),
    );
    expect(stale).toMatchObject({ result: 'stale_event', pending_plan_id: 'free' });

    // Paying the current period makes it active again and cancels the scheduled return to free.
    await setClock(stub, T('2027-01-22T00:00:00Z'));
    const paid = await deliverOk(
      stripeEvent(
        'invoice.paid',
        paidInvoice(user, sub, 'basic', { start: T('2027-01-15T10:00:00Z'), end: T('2027-02-15T10:00:00Z') }),
        { created: S('2027-01-22T00:00:00Z') },
      ),
    );
    expect(paid).toMatchObject({ result: 'plan_renewed', plan_id: 'basic', pending_plan_id: null });
  });

  it('waits for payment: a subscription created incomplete changes nothing until its checkout is paid', async () => {
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    const created = await deliverOk(
      stripeEvent('customer.subscription.created', subscriptionObject(user, sub, 'basic', 'incomplete'), {
        created: S('2027-01-15T10:00:00Z'),
      }),
    );
    expect(created).toMatchObject({ result: 'recorded', plan_id: 'free' });
    const paid = await deliverOk(
      stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub), {
        created: S('2027-01-15T10:00:01Z'),
      }),
    );
    expect(paid).toMatchObject({ result: 'plan_started', plan_id: 'basic' });
    expect((await planOf(stub)).plan_id).toBe('basic');
  });

  it('changes nothing while a subscription is past due', async () => {
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    await deliverOk(
      stripeEvent('checkout.session.completed', subscriptionSession(user, 'basic', sub), {
        created: S('2027-01-15T10:00:00Z'),
      }),
    );
    const body = await deliverOk(
      stripeEvent('customer.subscription.updated', subscriptionObject(user, sub, 'basic', 'past_due'), {
        created: S('2027-02-15T11:00:00Z'),
      }),
    );
    expect(body).toMatchObject({ result: 'recorded', plan_id: 'basic', pending_plan_id: null });
    expect((await planOf(stub)).plan_id).toBe('basic');
  });

  it('changes nothing, and says so, when the subscription’s plan was retired before its checkout event arrived', async () => {
    const planId = await createPaidPlan('retired');
    expect((await asAdmin(`/api/v1/admin/plans/${planId}`, { method: 'DELETE' })).status).toBe(200);
    const { user, stub, sub } = await subscriberAt('2027-01-15T10:00:00Z');
    const body = await deliverOk(stripeEvent('checkout.session.completed', subscriptionSession(user, planId, sub)));
    expect(body).toMatchObject({ result: 'plan_unavailable', plan_id: 'free' });
    expect((await planOf(stub)).plan_id).toBe('free');
  });

  const ignored: [string, (user: string) => ReturnType<typeof stripeEvent>, string][] = [
    [
      'a subscription checkout for an unknown plan',
      (u) => stripeEvent('checkout.session.completed', subscriptionSession(u, 'platinum')),
      'no known plan',
    ],
    [
      'an invoice that is not for a subscription',
      (u) =>
        stripeEvent('invoice.paid', {
          ...paidInvoice(u, 'sub_x', 'basic', { start: T('2027-01-15T00:00:00Z'), end: T('2027-02-15T00:00:00Z') }),
          parent: null,
        }),
      'not for a subscription',
    ],
    [
      'a subscription without a user',
      (u) => stripeEvent('customer.subscription.updated', { ...subscriptionObject(u, 'sub_x', 'basic'), metadata: {} }),
      'no valid user',
    ],
  ];
  for (const [name, event, reason] of ignored) {
    it(`answers 200 and ignores ${name}`, async () => {
      const user = newUserId();
      const body = await deliverOk(event(user));
      expect(body.ignored).toContain(reason);
      // Nothing reached the user's object: no account was even opened.
      expect(await accountStub(user).balance()).toMatchObject({ ok: false, failure: { code: 'not_found' } });
    });
  }
});
