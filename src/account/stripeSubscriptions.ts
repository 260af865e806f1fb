// Subscriptions drive the account's plan. Each subscription keeps its own state here (plan,
// status, the period paid through, the `created` of the last subscription event applied, whether
// it has ended), because Stripe delivers events late, twice, and out of order:
// - an ended subscription is final: no later or retried event for it changes the plan again;
// - a subscription event older than the last one applied is stale and ignored;
// - an invoice for a period already recorded, or already over, changes no plan.
// Runs inside the caller's transactionSync; nothing here awaits.
import { DEFAULT_PLAN_ID, type Catalog } from '../catalog/catalog';
import { changePlan } from './planChange';
import type { AccountStore } from './store';
import type { StripeStore, SubscriptionRow } from './stripeStore';
import type {
  InvoicePaid,
  StripeEventOutcome,
  StripeEventRef,
  SubscriptionChanged,
  SubscriptionStarted,
} from './stripeTypes';
import type { AccountSnapshot } from './types';

export interface SubscriptionContext {
  store: AccountStore;
  stripe: StripeStore;
  catalog: Catalog;
  now: number;
  snapshot: () => AccountSnapshot;
}

// Stripe statuses, grouped by what they mean for the plan.
const PAYING = new Set(['active', 'trialing']);
const NOT_PAYING = new Set(['unpaid', 'paused']);
const ENDED = new Set(['canceled', 'incomplete_expired']);

/** checkout.session.completed (paid) in subscription mode: the plan starts now. */
export function startSubscription(c: SubscriptionContext, cmd: SubscriptionStarted): StripeEventOutcome {
  const known = c.stripe.subscription(cmd.subscriptionId);
  if (known?.ended_at != null) return outcome(c, 'subscription_ended');
  // A paid checkout means the first invoice is paid: active, unless a newer event said otherwise.
  const newer = !known || cmd.event.createdAt >= known.last_event_at;
  const sub: SubscriptionRow = {
    ...(known ?? newSubscription(cmd.subscriptionId, cmd.planId, 'active', cmd.event, c.now)),
    status: newer ? 'active' : known.status,
    last_event_at: Math.max(known?.last_event_at ?? 0, cmd.event.createdAt),
    updated_at: c.now,
  };
  c.stripe.saveSubscription(sub);
  const changed = reconcile(c, sub, cmd.event, 'now');
  if (changed === 'plan_unavailable') return outcome(c, changed);
  return outcome(c, changed ? 'plan_started' : 'recorded');
}

/** invoice.paid: the subscription is paid through the invoice's period. */
export function recordInvoicePaid(c: SubscriptionContext, cmd: InvoicePaid): StripeEventOutcome {
  const known = c.stripe.subscription(cmd.subscriptionId);
  if (known?.ended_at != null) return outcome(c, 'subscription_ended');
  if (known && known.paid_through !== null && cmd.periodEnd <= known.paid_through) return outcome(c, 'stale_event');
  const planId = known?.plan_id ?? cmd.planId;
  if (planId === null) return outcome(c, 'recorded');

  const current = cmd.periodEnd > c.now;
  const sub: SubscriptionRow = {
    ...(known ?? newSubscription(cmd.subscriptionId, planId, 'active', cmd.event, c.now)),
    paid_from: cmd.periodStart,
    paid_through: cmd.periodEnd,
    updated_at: c.now,
  };
  // Paying for the current period makes the subscription active again (after past_due or unpaid).
  if (current) {
    sub.status = 'active';
    sub.last_event_at = Math.max(sub.last_event_at, cmd.event.createdAt);
  }
  c.stripe.saveSubscription(sub);
  if (!current) return outcome(c, 'recorded');
  const changed = reconcile(c, sub, cmd.event, known ? 'auto' : 'now');
  return outcome(c, changed === 'plan_unavailable' ? changed : 'plan_renewed');
}

/** customer.subscription.created / updated / deleted: status and plan as of the event. */
export function updateSubscription(c: SubscriptionContext, cmd: SubscriptionChanged): StripeEventOutcome {
  const known = c.stripe.subscription(cmd.subscriptionId);
  if (known?.ended_at != null) return outcome(c, 'subscription_ended');
  // A deletion is final whenever it arrives; any other event must be newer than the last applied.
  if (!cmd.deleted && known && cmd.event.createdAt < known.last_event_at) return outcome(c, 'stale_event');

  const ended = cmd.deleted || ENDED.has(cmd.status);
  const sub: SubscriptionRow = {
    ...(known ?? newSubscription(cmd.subscriptionId, cmd.planId, cmd.status, cmd.event, c.now)),
    plan_id: cmd.planId,
    status: cmd.deleted ? 'canceled' : cmd.status,
    last_event_at: Math.max(known?.last_event_at ?? 0, cmd.event.createdAt),
    ended_at: ended ? c.now : null,
    updated_at: c.now,
  };
  c.stripe.saveSubscription(sub);
  // The plan the account had from this subscription before the event (a plan switch moves it).
  const changed = reconcile(c, sub, cmd.event, known ? 'auto' : 'now', known?.plan_id);
  if (changed === 'plan_unavailable') return outcome(c, changed);
  if (!changed) return outcome(c, 'recorded');
  return outcome(c, ended || NOT_PAYING.has(sub.status) ? 'plan_ending' : 'plan_changed');
}

function newSubscription(
  id: string,
  planId: string,
  status: string,
  event: StripeEventRef,
  now: number,
): SubscriptionRow {
  return {
    subscription_id: id,
    plan_id: planId,
    status,
    paid_from: null,
    paid_through: null,
    last_event_at: event.createdAt,
    ended_at: null,
    updated_at: now,
  };
}

/**
 * Bring the account's plan in line with one subscription: a paying subscription gives its plan
 * (`when` decides how an unexpected downgrade applies); one that stopped paying or ended sends the
 * account back to the free plan at the next reset, but only if it is the one that gave the plan.
 * Past-due and incomplete subscriptions change nothing while Stripe retries. Returns whether the
 * plan changed, or 'plan_unavailable' when the subscription's plan has been retired meanwhile.
 */
function reconcile(
  c: SubscriptionContext,
  sub: SubscriptionRow,
  event: StripeEventRef,
  when: 'now' | 'auto',
  previousPlanId?: string,
): boolean | 'plan_unavailable' {
  const account = c.store.account()!;
  const externalRef = `stripe:${event.id}`;
  if (sub.ended_at === null && PAYING.has(sub.status)) {
    const renewing = account.plan_id === sub.plan_id;
    // Already on it, or already switching to it at the reset: nothing to write.
    if (
      (renewing && account.pending_plan_id === null) ||
      (!renewing && account.pending_plan_id === sub.plan_id && when === 'auto')
    )
      return false;
    const reason = renewing
      ? `Stripe subscription to ${sub.plan_id} paid again`
      : `Subscribed to ${sub.plan_id} through Stripe`;
    return apply(c, { planId: sub.plan_id, when: renewing ? 'auto' : when, reason, externalRef });
  }
  if (sub.ended_at === null && !NOT_PAYING.has(sub.status)) return false;
  const gave = [sub.plan_id, previousPlanId].filter((p) => p !== undefined);
  const givesPlan =
    gave.includes(account.plan_id) || (account.pending_plan_id !== null && gave.includes(account.pending_plan_id));
  if (!givesPlan || account.pending_plan_id === DEFAULT_PLAN_ID) return false;
  const why = sub.ended_at === null ? `is ${sub.status}` : 'ended';
  return apply(c, {
    planId: DEFAULT_PLAN_ID,
    when: 'next_reset',
    reason: `Stripe subscription ${why}: back to ${DEFAULT_PLAN_ID} at the next reset`,
    externalRef,
  });
}

/** Whether the plan changed; a plan retired from the catalog takes no one new (see planChange.ts). */
function apply(c: SubscriptionContext, req: Parameters<typeof changePlan>[2]): boolean | 'plan_unavailable' {
  const result = changePlan(c.store, c.catalog, req, c.now, c.snapshot);
  if (result.ok) return result.effective !== 'unchanged';
  if (result.error === 'unknown_plan') return 'plan_unavailable';
  // The key is this event's own id, checked unseen just before: a reuse is a bug.
  throw new Error(`stripe: plan change to '${req.planId}' failed: ${result.error}`);
}

function outcome(c: SubscriptionContext, result: StripeEventOutcome['result']): StripeEventOutcome {
  const account = c.store.account()!;
  return { result, planId: account.plan_id, pendingPlanId: account.pending_plan_id };
}
