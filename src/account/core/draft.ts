// The pure core's working copy of an account. A decision reads the state through it and records
// everything it does (grant inserts and moves, ledger rows, counters, reservations, project steps,
// Stripe records, extra idempotency keys) as one list of changes; one store applies that list
// inside the one transactionSync. No SQL and no clock here: state and `now` in,
// changes out, so every rule can be tested on plain data.
import type { Reservation, PlanTerms, TransactionDetail, TransactionType } from '../contract/rpc';
import type { Allocation, Grant, GrantSource } from '../../money/grant';
import type { IdempotencyKey } from '../contract/keys';
import type { ProjectChange, ProjectHead } from './project';
import type { CheckoutMark, Purchase, Refund, Subscription } from './stripeRecords';

/** A grant that has not been closed, as the core sees it. */
export interface LiveGrant extends Grant {
  /** Tokens usage took from it over its life. */
  spent: number;
  /** The monthly period a monthly or rollover grant belongs to. */
  period: string | null;
}

/** A reservation not yet settled: it lowers what can be spent until it is committed, released or expires. */
export type OpenReservation = Omit<Reservation, 'status' | 'settledAt'> & {
  /** The UTC day whose request count it took. */
  day: string;
};

/** What the core needs to know about an account before a decision. */
export interface AccountState {
  period: string;
  terms: PlanTerms;
  pendingTerms: PlanTerms | null;
  /** The Stripe subscription that gives the account its plan; null when none does (free, an operator's plan). */
  planSubscriptionId: string | null;
  /** Live grants, oldest first. */
  grants: LiveGrant[];
  /** The counters of the UTC day of `now`. */
  today: { day: string; requests: number; tokens: number };
  /** The id the next grant will get (ids are assigned here, so changes can refer to them). */
  nextGrantId: number;
  /** Open reservations, oldest first. */
  reservations: OpenReservation[];
  nextReservationId: number;
  /** The seq the next ledger row takes (ledger rows are never deleted). */
  nextSeq: number;
}

export interface NewGrant {
  id: number;
  source: GrantSource;
  amount: number;
  expiresAt: number | null;
  createdAt: number;
  period: string | null;
}

/** A ledger row to append; its seq and running balance were settled when it was drafted. */
export interface NewEntry {
  seq: number;
  type: TransactionType;
  at: number;
  tokens: number;
  tokensBefore: number;
  tokensAfter: number;
  allocations: Allocation[];
  description: string | null;
  detail: TransactionDetail | null;
  agent?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsdMicros?: number;
  costInrPaise?: number;
  /** The plan in force when the row was drafted (set by append; analytics group by it). */
  planId?: string;
}

interface UsageCount {
  day: string;
  at: number;
  /** Tokens the row charged (less than input + output only when a commit could not be covered). */
  chargedTokens: number;
  agent: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsdMicros: number;
  costInrPaise: number;
}

export type Change =
  | { kind: 'grant_insert'; grant: NewGrant }
  | { kind: 'grant_move'; grantId: number; delta: number; spent: number }
  | { kind: 'grant_close'; grantId: number; at: number }
  | { kind: 'append'; entry: NewEntry }
  | { kind: 'account'; period: string; terms: PlanTerms; pendingTerms: PlanTerms | null }
  | { kind: 'usage_count'; usage: UsageCount }
  | { kind: 'reservation_open'; reservation: OpenReservation }
  | { kind: 'reservation_settle'; reservationId: number; status: 'committed' | 'released' | 'expired'; at: number }
  | { kind: 'payment'; payment: Payment }
  | { kind: 'project_create'; project: NewProject }
  | { kind: 'project'; change: ProjectChange }
  | { kind: 'purchase'; purchase: Purchase }
  | { kind: 'refund'; refund: Refund; at: number }
  | { kind: 'subscription'; subscription: Subscription }
  | { kind: 'plan_subscription'; subscriptionId: string | null }
  | { kind: 'checkout_mark'; mark: CheckoutMark | null }
  | { kind: 'key_claim'; key: IdempotencyKey; fingerprint: string };

/** A project to create: its head and its steps, one per agent, in run order. */
interface NewProject {
  head: Omit<ProjectHead, 'lease' | 'updatedAt'>;
  agents: string[];
}

/** Money received that moves no tokens (a subscription invoice): recorded for platform revenue only. */
export interface Payment {
  at: number;
  /** What was paid for: a plan id. */
  planId: string;
  amountPaise: number;
}

export class Draft {
  readonly changes: Change[] = [];
  /** Things an operator should know (a plan row missing at a reset…); the shell logs them. */
  readonly warnings: string[] = [];
  period: string;
  terms: PlanTerms;
  pendingTerms: PlanTerms | null;
  planSubscriptionId: string | null;
  readonly today: { day: string; requests: number; tokens: number };
  private readonly live = new Map<number, LiveGrant>();
  private readonly open = new Map<number, OpenReservation>();
  private nextGrantId: number;
  private nextReservationId: number;
  private nextSeq: number;
  private held = 0;
  private balance = 0;

  constructor(state: AccountState) {
    this.period = state.period;
    this.terms = state.terms;
    this.pendingTerms = state.pendingTerms;
    this.planSubscriptionId = state.planSubscriptionId;
    this.today = { ...state.today };
    this.nextGrantId = state.nextGrantId;
    this.nextReservationId = state.nextReservationId;
    this.nextSeq = state.nextSeq;
    for (const reservation of state.reservations) {
      this.open.set(reservation.id, { ...reservation });
      this.held += reservation.tokens;
    }
    for (const grant of state.grants) {
      this.live.set(grant.id, { ...grant });
      this.balance += grant.remaining;
    }
  }

  /** The account as the drafted changes leave it: what the store holds once they are applied. */
  state(): AccountState {
    return {
      period: this.period,
      terms: this.terms,
      pendingTerms: this.pendingTerms,
      planSubscriptionId: this.planSubscriptionId,
      grants: this.liveGrants().map((g) => ({ ...g })),
      today: { ...this.today },
      nextGrantId: this.nextGrantId,
      reservations: this.openReservations().map((h) => ({ ...h })),
      nextReservationId: this.nextReservationId,
      nextSeq: this.nextSeq,
    };
  }

  /** Σ remaining over live grants: the balance, as the drafted changes leave it. */
  balanceTokens(): number {
    return this.balance;
  }

  /** Σ tokens of open reservations: what the balance owes to agents still running. */
  heldTokens(): number {
    return this.held;
  }

  /** Open reservations, oldest first. */
  openReservations(): OpenReservation[] {
    return [...this.open.values()].sort((a, b) => a.id - b.id);
  }

  reservation(id: number): OpenReservation | undefined {
    return this.open.get(id);
  }

  openReservation(h: Omit<OpenReservation, 'id'>): OpenReservation {
    const reservation = { ...h, id: this.nextReservationId++ };
    this.open.set(reservation.id, reservation);
    this.held += reservation.tokens;
    this.changes.push({ kind: 'reservation_open', reservation });
    if (reservation.day === this.today.day) this.today.requests += 1;
    return reservation;
  }

  /**
   * Close an open reservation. Its request leaves its day's count with it: a commit counts the run
   * again on the day of its usage row, as the counters read from the rollup and the open
   * reservations do (accountStore.ts).
   */
  settleReservation(id: number, status: 'committed' | 'released' | 'expired', at: number): void {
    const reservation = this.open.get(id);
    if (!reservation) throw new Error(`draft: reservation ${id} is not open`);
    this.open.delete(id);
    this.held -= reservation.tokens;
    this.changes.push({ kind: 'reservation_settle', reservationId: id, status, at });
    if (reservation.day === this.today.day) this.today.requests -= 1;
  }

  /** Live grants, oldest first. */
  liveGrants(): LiveGrant[] {
    return [...this.live.values()].sort((a, b) => a.id - b.id);
  }

  grant(id: number): LiveGrant | undefined {
    return this.live.get(id);
  }

  insertGrant(g: Omit<NewGrant, 'id'>): number {
    const id = this.nextGrantId++;
    this.live.set(id, { ...g, id, remaining: g.amount, spent: 0 });
    this.balance += g.amount;
    this.changes.push({ kind: 'grant_insert', grant: { ...g, id } });
    return id;
  }

  /** Move tokens on a live grant: negative takes, positive gives; `spend` marks usage. */
  move(grantId: number, delta: number, spend = false): void {
    const grant = this.live.get(grantId);
    if (!grant) throw new Error(`draft: grant ${grantId} is not live`);
    if (grant.remaining + delta < 0 || grant.remaining + delta > grant.amount) {
      throw new Error(`draft: grant ${grantId} would hold ${grant.remaining + delta} of ${grant.amount}`);
    }
    const spent = spend ? -delta : 0;
    grant.remaining += delta;
    grant.spent += spent;
    this.balance += delta;
    this.changes.push({ kind: 'grant_move', grantId, delta, spent });
  }

  /** A closed grant is out of the balance for good; it must be empty. */
  close(grantId: number, at: number): void {
    const grant = this.live.get(grantId);
    if (!grant) throw new Error(`draft: grant ${grantId} is not live`);
    if (grant.remaining !== 0) throw new Error(`draft: grant ${grantId} closed with ${grant.remaining} left`);
    this.live.delete(grantId);
    this.changes.push({ kind: 'grant_close', grantId, at });
  }

  /**
   * Append a ledger row for movements already applied: its tokens are the sum of its allocations
   * and its running balance follows from the grants, so no decision can get them wrong.
   */
  append(
    entry: Omit<NewEntry, 'seq' | 'tokens' | 'tokensBefore' | 'tokensAfter' | 'detail' | 'description'> & {
      description?: string | null;
      detail?: TransactionDetail | null;
    },
  ): NewEntry {
    const tokens = entry.allocations.reduce((sum, [, delta]) => sum + delta, 0);
    const full: NewEntry = {
      ...entry,
      seq: this.nextSeq++,
      planId: this.terms.id,
      description: entry.description ?? null,
      detail: entry.detail ?? null,
      tokens,
      tokensBefore: this.balance - tokens,
      tokensAfter: this.balance,
    };
    this.changes.push({ kind: 'append', entry: full });
    return full;
  }

  setAccount(patch: { period?: string; terms?: PlanTerms; pendingTerms?: PlanTerms | null }): void {
    if (patch.period !== undefined) this.period = patch.period;
    if (patch.terms !== undefined) this.terms = patch.terms;
    if (patch.pendingTerms !== undefined) this.pendingTerms = patch.pendingTerms;
    this.changes.push({ kind: 'account', period: this.period, terms: this.terms, pendingTerms: this.pendingTerms });
  }

  recordPayment(payment: Payment): void {
    this.changes.push({ kind: 'payment', payment });
  }

  /** Count a usage row's request and tokens on its day. */
  countUsage(usage: UsageCount): void {
    if (usage.day === this.today.day) {
      this.today.requests += 1;
      this.today.tokens += usage.chargedTokens;
    }
    this.changes.push({ kind: 'usage_count', usage });
  }

  createProject(project: NewProject): void {
    this.changes.push({ kind: 'project_create', project });
  }

  changeProject(changes: readonly ProjectChange[]): void {
    for (const change of changes) this.changes.push({ kind: 'project', change });
  }

  recordPurchase(purchase: Purchase): void {
    this.changes.push({ kind: 'purchase', purchase });
  }

  /** A charge's refund totals as they now stand (they only grow). */
  saveRefund(refund: Refund, at: number): void {
    this.changes.push({ kind: 'refund', refund, at });
  }

  saveSubscription(subscription: Subscription): void {
    this.changes.push({ kind: 'subscription', subscription });
  }

  /** Name the subscription that gives the account its plan (null: none does); a no-op when it already does. */
  setPlanSubscription(subscriptionId: string | null): void {
    if (this.planSubscriptionId === subscriptionId) return;
    this.planSubscriptionId = subscriptionId;
    this.changes.push({ kind: 'plan_subscription', subscriptionId });
  }

  /** Mark a subscription checkout under way until `mark.until`, or clear the mark (null). */
  markCheckout(mark: CheckoutMark | null): void {
    this.changes.push({ kind: 'checkout_mark', mark });
  }

  /**
   * Store a second idempotency key with this mutation (a promo code, a Checkout Session), under
   * the ledger row appended last before it, so a later mutation under that key finds it taken.
   */
  claimKey(key: IdempotencyKey, fingerprint: string): void {
    this.changes.push({ kind: 'key_claim', key, fingerprint });
  }
}
