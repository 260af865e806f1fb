// Subscriptions drive the account's plan. Each keeps its own state (plan, status, the period paid
// through, the `created` of the last subscription event applied, whether it has ended), because
// Stripe delivers events late, twice, and out of order:
// - an ended subscription is final: no later or retried event for it changes the plan again;
// - a subscription event older than the last one applied is stale and ignored;
// - an invoice for a period already recorded, or already over, changes no plan.
// The account names the one subscription that gives it its plan (`draft.planSubscriptionId`): only
// that subscription's end sends the account back to free, and when another live subscription still
// pays, the plan passes to it instead. Events of any other subscription never end the plan.
import { DEFAULT_PLAN_ID } from './plans';
import type {
  InvoicePaid,
  StripeEventRef,
  StripeEventResult,
  SubscriptionChanged,
  SubscriptionStarted,
} from '../contract/rpc';
import type { Draft } from './draft';
import { decidePlanChange, type TargetPlan } from './planChange';
import type { Subscription } from './stripeRecords';

/** The subscription to store (null: unchanged) and what the event did. */
interface SubscriptionStep {
  save: Subscription | null;
  result: StripeEventResult;
}

export type PlanLookup = (planId: string) => TargetPlan | undefined;

/** What a subscription decision reads besides the draft: the plans, and the account's live subscriptions. */
export interface SubscriptionContext {
  plans: PlanLookup;
  /** Subscriptions not yet ended, newest first, as stored before this event. */
  live: readonly Subscription[];
}

// Stripe statuses, grouped by what they mean for the plan.
const PAYING = new Set(['active', 'trialing']);
const NOT_PAYING = new Set(['unpaid', 'paused']);
const ENDED = new Set(['canceled', 'incomplete_expired']);

/** checkout.session.completed (paid) in subscription mode: the plan starts now. */
export function startSubscription(
  draft: Draft,
  known: Subscription | undefined,
  cmd: SubscriptionStarted,
  ctx: SubscriptionContext,
  now: number,
): SubscriptionStep {
  if (known?.endedAt != null) return { save: null, result: 'subscription_ended' };
  // A paid checkout means the first invoice is paid: active, unless a newer event said otherwise.
  const newer = !known || cmd.event.createdAt >= known.lastEventAt;
  const sub: Subscription = {
    ...(known ?? fresh(cmd.subscriptionId, cmd.planId, 'active', cmd.event, now)),
    status: newer ? 'active' : known.status,
    lastEventAt: Math.max(known?.lastEventAt ?? 0, cmd.event.createdAt),
    updatedAt: now,
  };
  const changed = reconcile(draft, sub, 'now', ctx, now);
  if (changed === 'plan_unavailable') return { save: sub, result: changed };
  return { save: sub, result: changed ? 'plan_started' : 'recorded' };
}

/** invoice.paid: the subscription is paid through the invoice's period. */
export function recordInvoicePaid(
  draft: Draft,
  known: Subscription | undefined,
  cmd: InvoicePaid,
  ctx: SubscriptionContext,
  now: number,
): SubscriptionStep {
  if (known?.endedAt != null) return { save: null, result: 'subscription_ended' };
  if (known && known.paidThrough !== null && cmd.periodEnd <= known.paidThrough) {
    return { save: null, result: 'stale_event' };
  }
  const planId = known?.planId ?? cmd.planId;
  if (planId === null) return { save: null, result: 'recorded' };

  const current = cmd.periodEnd > now;
  const sub: Subscription = {
    ...(known ?? fresh(cmd.subscriptionId, planId, 'active', cmd.event, now)),
    paidFrom: cmd.periodStart,
    paidThrough: cmd.periodEnd,
    updatedAt: now,
  };
  // Paying for the current period makes the subscription active again (after past_due or unpaid).
  if (!current) return { save: sub, result: 'recorded' };
  sub.status = 'active';
  sub.lastEventAt = Math.max(sub.lastEventAt, cmd.event.createdAt);
  const changed = reconcile(draft, sub, known ? 'auto' : 'now', ctx, now);
  return { save: sub, result: changed === 'plan_unavailable' ? changed : 'plan_renewed' };
}

/** customer.subscription.created / updated / deleted: status and plan as of the event. */
export function updateSubscription(
  draft: Draft,
  known: Subscription | undefined,
  cmd: SubscriptionChanged,
  ctx: SubscriptionContext,
  now: number,
): SubscriptionStep {
  if (known?.endedAt != null) return { save: null, result: 'subscription_ended' };
  // A deletion is final whenever it arrives; any other event must be newer than the last applied.
  if (!cmd.deleted && known && cmd.event.createdAt < known.lastEventAt) return { save: null, result: 'stale_event' };

  const ended = cmd.deleted || ENDED.has(cmd.status);
  const sub: Subscription = {
    ...(known ?? fresh(cmd.subscriptionId, cmd.planId, cmd.status, cmd.event, now)),
    planId: cmd.planId,
    status: cmd.deleted ? 'canceled' : cmd.status,
    lastEventAt: Math.max(known?.lastEventAt ?? 0, cmd.event.createdAt),
    endedAt: ended ? now : null,
    updatedAt: now,
  };
  const changed = reconcile(draft, sub, known ? 'auto' : 'now', ctx, now);
  if (changed === 'plan_unavailable') return { save: sub, result: changed };
  if (!changed) return { save: sub, result: 'recorded' };
  return { save: sub, result: ended || NOT_PAYING.has(sub.status) ? 'plan_ending' : 'plan_changed' };
}

function fresh(id: string, planId: string, status: string, event: StripeEventRef, now: number): Subscription {
  return {
    subscriptionId: id,
    planId,
    status,
    paidFrom: null,
    paidThrough: null,
    lastEventAt: event.createdAt,
    endedAt: null,
    updatedAt: now,
  };
}

/** A subscription that is live and paid for: it can give the account its plan. */
function paying(sub: Subscription): boolean {
  return sub.endedAt === null && PAYING.has(sub.status);
}

/**
 * Bring the account's plan in line with one subscription's new state. A paying subscription gives
 * its plan (`when` decides how an unexpected downgrade applies) unless another live, paying
 * subscription already gives the account its plan. One that stopped paying or ended changes the plan
 * only if it is the one that gives it: the plan then passes to another live, paying subscription if
 * there is one, or goes back to free at the next reset. Past-due and incomplete subscriptions change
 * nothing while Stripe retries. Returns whether the plan changed, or 'plan_unavailable' when the
 * subscription's plan has been retired meanwhile.
 */
function reconcile(
  draft: Draft,
  sub: Subscription,
  when: 'now' | 'auto',
  ctx: SubscriptionContext,
  now: number,
): boolean | 'plan_unavailable' {
  const others = ctx.live.filter((o) => o.subscriptionId !== sub.subscriptionId);
  const source = draft.planSubscriptionId;
  if (paying(sub)) {
    const givenByOther = others.some((o) => o.subscriptionId === source && paying(o));
    if (givenByOther) return false;
    return give(draft, sub, when, ctx.plans, now, `Subscribed to ${sub.planId} through Stripe`);
  }
  if (sub.endedAt === null && !NOT_PAYING.has(sub.status)) return false;
  if (source !== sub.subscriptionId) return false;
  const why = sub.endedAt === null ? `is ${sub.status}` : 'ended';
  const successor = others.find(paying);
  if (successor) {
    const reason = `Stripe subscription ${why}: the plan continues from subscription ${successor.subscriptionId} (${successor.planId})`;
    return give(draft, successor, 'auto', ctx.plans, now, reason);
  }
  draft.setPlanSubscription(null);
  if (draft.pendingTerms?.id === DEFAULT_PLAN_ID) return false;
  return apply(
    draft,
    ctx.plans,
    {
      planId: DEFAULT_PLAN_ID,
      when: 'next_reset',
      reason: `Stripe subscription ${why}: back to ${DEFAULT_PLAN_ID} at the next reset`,
    },
    now,
  );
}

/** `sub` gives the account its plan from now on: the plan follows it, and the account names it. */
function give(
  draft: Draft,
  sub: Subscription,
  when: 'now' | 'auto',
  plans: PlanLookup,
  now: number,
  reason: string,
): boolean | 'plan_unavailable' {
  const planId = draft.terms.id;
  const pendingId = draft.pendingTerms?.id ?? null;
  const renewing = planId === sub.planId;
  // Already on it, or already switching to it at the reset: no plan change to write.
  const settled = (renewing && pendingId === null) || (!renewing && pendingId === sub.planId && when === 'auto');
  const changed = settled
    ? false
    : apply(
        draft,
        plans,
        {
          planId: sub.planId,
          when: renewing ? 'auto' : when,
          reason: renewing ? `Stripe subscription to ${sub.planId} paid again` : reason,
        },
        now,
      );
  if (changed !== 'plan_unavailable') draft.setPlanSubscription(sub.subscriptionId);
  return changed;
}

function apply(
  draft: Draft,
  plans: PlanLookup,
  req: { planId: string; when: 'auto' | 'now' | 'next_reset'; reason: string },
  now: number,
): boolean | 'plan_unavailable' {
  const decided = decidePlanChange(draft, plans(req.planId), req, now);
  if (!decided.ok) return 'plan_unavailable';
  return decided.value.effective !== 'unchanged';
}
