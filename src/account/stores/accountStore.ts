// Loading an account's state for the core and applying the core's changes: the one store every
// mutation writes through (the project and Stripe tables by way of their own stores). Synchronous,
// so a caller loads, decides and applies inside one transactionSync with nothing in between.
import type { GrantSource } from '../../money/grant';
import type { Reservation, PlanTerms, Transaction } from '../contract/rpc';
import type { AccountState, Change, LiveGrant, OpenReservation } from '../core/draft';
import { IdempotencyStore } from './idempotency';
import { LedgerFacts } from './ledgerFacts';
import { outboxFactsOf } from './outboxRows';
import { OutboxStore } from './outboxStore';
import { appendLedgerRow } from './ledgerRows';
import { ProjectStore } from './projectStore';
import { StripeStore } from './stripeStore';
import type { Sql } from './sql';
import { SummedWrites, writeSums } from './summedWrites';

interface AccountHead {
  period: string;
  terms: PlanTerms;
  pendingTerms: PlanTerms | null;
  planSubscriptionId: string | null;
  createdAt: number;
}

interface GrantRow {
  id: number;
  source: GrantSource;
  amount: number;
  remaining: number;
  spent: number;
  expires_at: number | null;
  created_at: number;
  closed_at: number | null;
  period: string | null;
  [column: string]: SqlStorageValue;
}

/** A reservation whatever its status, with the day whose request count it took. */
export type ReservationRow = Reservation & Pick<OpenReservation, 'day'> & Record<string, SqlStorageValue>;

export class AccountStore {
  /** Analytics facts for D1 that are not usage rows, written by apply with the changes they describe. */
  readonly outbox: OutboxStore;
  /** Usage facts for D1: the ledger's own usage rows, after the cursor D1 holds. */
  readonly ledgerFacts: LedgerFacts;
  /**
   * The state a decision starts from, kept between requests so consecutive usage skips its six
   * reads. Only `remember` sets it, only after the changes it describes were applied; any other
   * `apply` and any rolled-back transaction (`forget`) drop it, and a new UTC day reloads it.
   */
  private cached: AccountState | undefined;
  readonly idempotency: IdempotencyStore;
  readonly projects: ProjectStore;
  readonly stripe: StripeStore;

  constructor(
    private readonly sql: Sql,
    /** The name the Worker addressed the object by (the user id), stored on the account row when it opens. */
    private readonly ownerName: string | null = null,
  ) {
    this.outbox = new OutboxStore(sql);
    this.ledgerFacts = new LedgerFacts(sql);
    this.idempotency = new IdempotencyStore(sql);
    this.projects = new ProjectStore(sql);
    this.stripe = new StripeStore(sql);
  }

  /** The user this object belongs to, as stored when the account opened; null if unknown. */
  userId(): string | null {
    return this.sql.first<{ user_id: string | null }>('account user', 'SELECT user_id FROM account')?.user_id ?? null;
  }

  setUserId(userId: string): void {
    this.sql.run('account user set', 'UPDATE account SET user_id = ? WHERE user_id IS NULL', userId);
  }

  head(): AccountHead | undefined {
    const row = this.sql.first<{
      period: string;
      terms: string;
      pending_terms: string | null;
      plan_subscription_id: string | null;
      created_at: number;
    }>('account head', 'SELECT period, terms, pending_terms, plan_subscription_id, created_at FROM account');
    if (!row) return undefined;
    return {
      period: row.period,
      terms: JSON.parse(row.terms) as PlanTerms,
      pendingTerms: row.pending_terms === null ? null : (JSON.parse(row.pending_terms) as PlanTerms),
      planSubscriptionId: row.plan_subscription_id,
      createdAt: row.created_at,
    };
  }

  /** The period the account is in, or undefined when it has not opened. */
  period(): string | undefined {
    return this.cached?.period ?? this.head()?.period;
  }

  /** Everything a decision may look at; `day` picks the day counters. */
  state(day: string): AccountState {
    if (this.cached?.today.day === day) return this.cached;
    const head = this.head();
    if (!head) throw new Error('account: state of an account that does not exist');
    const reservations = this.openReservations();
    const used = usageOn(this.sql, day);
    return {
      period: head.period,
      terms: head.terms,
      pendingTerms: head.pendingTerms,
      planSubscriptionId: head.planSubscriptionId,
      grants: this.liveGrants(),
      today: { day, requests: used.requests + reservations.filter((r) => r.day === day).length, tokens: used.tokens },
      nextGrantId: this.sql.one<{ next: number }>(
        'next grant id',
        'SELECT COALESCE(MAX(id), 0) + 1 AS next FROM grants',
      ).next,
      reservations,
      nextReservationId: this.sql.one<{ next: number }>(
        'next reservation id',
        'SELECT COALESCE(MAX(id), 0) + 1 AS next FROM holds',
      ).next,
      // Numbered by the draft, so a change can name the row it appends before it is written.
      nextSeq: this.nextSeq(),
    };
  }

  openReservations(): OpenReservation[] {
    return this.sql.rows<OpenReservation & Record<string, SqlStorageValue>>(
      'open reservations',
      `SELECT id, agent, model, tokens, created_at AS createdAt, expires_at AS expiresAt, day, project_id AS projectId
       FROM holds WHERE status = 'open' ORDER BY id`,
    );
  }

  /** A reservation whatever its status, or undefined when there is none with this id. */
  reservation(id: number): ReservationRow | undefined {
    const open = this.cached?.reservations.find((r) => r.id === id);
    if (open) return { ...open, status: 'open', settledAt: null };
    return this.sql.first<ReservationRow>(
      'reservation by id',
      `SELECT id, agent, model, tokens, created_at AS createdAt, expires_at AS expiresAt, day, project_id AS projectId,
              status, settled_at AS settledAt FROM holds WHERE id = ?`,
      id,
    );
  }

  /** What the account's deadlines depend on (a reset, grant and reservation ends), from the remembered state when there is one. */
  deadlineInputs(): { period: string; grants: LiveGrant[]; reservations: OpenReservation[] } | undefined {
    if (this.cached) return this.cached;
    const head = this.head();
    return head && { period: head.period, grants: this.liveGrants(), reservations: this.openReservations() };
  }

  liveGrants(): LiveGrant[] {
    return this.sql
      .rows<GrantRow>('live grants', 'SELECT * FROM grants WHERE closed_at IS NULL ORDER BY id')
      .map(toLiveGrant);
  }

  grant(id: number): LiveGrant {
    return toLiveGrant(this.sql.one<GrantRow>('grant by id', 'SELECT * FROM grants WHERE id = ?', id));
  }

  allGrants(): (LiveGrant & { closedAt: number | null })[] {
    return this.sql
      .rows<GrantRow>('all grants', 'SELECT * FROM grants ORDER BY id')
      .map((row) => ({ ...toLiveGrant(row), closedAt: row.closed_at }));
  }

  /**
   * Apply the core's changes in order, and the outbox rows they make for platform analytics;
   * returns the ledger rows appended, with their seq. The writes that add up (grant moves, day
   * counters, the usage rollup, outbox rows) are summed (summedWrites.ts) and written at the end;
   * a caller that passes its own `summed` (every command of one mutation, a group of usage records)
   * writes them once for all of them with `writeSummed`, before its transaction ends. Every other
   * change is written at once, so an answer drafted after `apply` reads it back.
   */
  apply(changes: readonly Change[], createdAt: number, into?: SummedWrites): Transaction[] {
    this.cached = undefined;
    const summed = into ?? new SummedWrites();
    const appended: Transaction[] = [];
    const settles: Extract<Change, { kind: 'reservation_settle' }>[] = [];
    for (const change of changes) {
      switch (change.kind) {
        case 'grant_insert': {
          const g = change.grant;
          this.sql.run(
            'grant insert',
            'INSERT INTO grants (id, source, amount, remaining, expires_at, created_at, period) VALUES (?, ?, ?, ?, ?, ?, ?)',
            g.id,
            g.source,
            g.amount,
            g.amount,
            g.expiresAt,
            g.createdAt,
            g.period,
          );
          break;
        }
        case 'grant_move':
          summed.move(change.grantId, change.delta, change.spent);
          break;
        case 'grant_close':
          this.sql.run('grant close', 'UPDATE grants SET closed_at = ? WHERE id = ?', change.at, change.grantId);
          summed.closed.push(change.grantId);
          break;
        case 'append': {
          const seq = (change.entry.seq as number | undefined) ?? this.nextSeq();
          const key = this.idempotency.carry('ledger', { seq, outcome: null });
          appended.push(appendLedgerRow(this.sql, change.entry, seq, key));
          if (change.entry.type === 'usage') this.ledgerFacts.appended(change.entry.at);
          break;
        }
        case 'account':
          this.sql.run(
            'account upsert',
            `INSERT INTO account (id, terms, pending_terms, period, created_at, carried_through, user_id) VALUES (1, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET terms = excluded.terms, pending_terms = excluded.pending_terms, period = excluded.period`,
            JSON.stringify(change.terms),
            change.pendingTerms === null ? null : JSON.stringify(change.pendingTerms),
            change.period,
            createdAt,
            firstDayOf(change.period),
            this.ownerName,
          );
          carryUsage(this.sql, firstDayOf(change.period));
          break;
        case 'payment':
          // Nothing of the account's own changes: the payment is a fact for analytics (the outbox).
          break;
        case 'reservation_open': {
          const h = change.reservation;
          const key = this.idempotency.carry('reservation', { seq: null, outcome: String(h.id) });
          this.sql.run(
            'reservation open',
            `INSERT INTO holds (id, agent, model, tokens, created_at, expires_at, day, project_id, status, idem_key, idem_fingerprint)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
            h.id,
            h.agent,
            h.model,
            h.tokens,
            h.createdAt,
            h.expiresAt,
            h.day,
            h.projectId,
            key?.key ?? null,
            key?.fingerprint ?? null,
          );
          break;
        }
        case 'reservation_settle':
          // Written once the command's other changes are: a commit's settlement names the row it appended.
          settles.push(change);
          break;
        case 'usage_count': {
          const u = change.usage;
          const rollup = {
            requests: 1,
            tokens: u.chargedTokens,
            inputTokens: u.inputTokens,
            outputTokens: u.outputTokens,
            costUsdMicros: u.costUsdMicros,
            costInrPaise: u.costInrPaise,
          };
          summed.usage(u.day, u.agent, u.model, rollup, u.at);
          break;
        }
        // The project's and Stripe's tables, written by their stores in the same transaction.
        case 'project_create':
          this.projects.insert(change.project.head, change.project.agents);
          break;
        case 'project':
          this.projects.apply(change.change);
          break;
        case 'purchase':
          this.stripe.insertPurchase(change.purchase);
          break;
        case 'refund':
          this.stripe.saveRefund(change.refund, change.at);
          break;
        case 'subscription':
          this.stripe.saveSubscription(change.subscription);
          break;
        case 'plan_subscription':
          this.stripe.setPlanSubscription(change.subscriptionId);
          break;
        case 'checkout_mark':
          this.stripe.setCheckoutMark(change.mark);
          break;
        case 'key_claim':
          this.idempotency.record(change.key, {
            fingerprint: change.fingerprint,
            seq: appended.at(-1)?.seq ?? null,
            outcome: null,
          });
          break;
      }
    }
    for (const settle of settles) this.settleReservation(settle, appended.at(-1)?.seq ?? null);
    summed.facts.push(...outboxFactsOf(changes, appended));
    if (!into) this.writeSummed(summed, createdAt);
    return appended;
  }

  /** A reservation settled; a commit's or release's key rides on it (its status tells which), with the commit's row. */
  private settleReservation(change: Extract<Change, { kind: 'reservation_settle' }>, lastSeq: number | null): void {
    const txSeq = change.status === 'committed' ? lastSeq : null;
    const key = this.idempotency.carry(
      'settlement',
      { seq: txSeq, outcome: null },
      { reservationId: change.reservationId, status: change.status },
    );
    this.sql.run(
      'reservation settle',
      "UPDATE holds SET status = ?, settled_at = ?, settle_fingerprint = ?, tx_seq = ? WHERE id = ? AND status = 'open'",
      change.status,
      change.at,
      key?.fingerprint ?? null,
      txSeq,
      change.reservationId,
    );
  }

  /** Write what `apply` summed: one statement per grant and rollup row touched, one for the outbox. */
  writeSummed(summed: SummedWrites, createdAt: number): void {
    this.cached = undefined;
    writeSums(this.sql, summed);
    this.outbox.write(summed.facts, createdAt);
  }

  /**
   * SQLite's own choice for an INTEGER PRIMARY KEY: the largest plus one (ledger rows are never
   * deleted). A Draft numbers its rows from it; an entry built by hand without a seq takes it too.
   */
  private nextSeq(): number {
    return this.sql.one<{ next: number }>('next seq', 'SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM transactions')
      .next;
  }

  /** `state` is what the store now holds (a draft's state after its changes were applied). */
  remember(state: AccountState): void {
    this.cached = state;
  }

  /** The transaction rolled back: the state remembered may describe changes that are gone. */
  forget(): void {
    this.cached = undefined;
  }
}

function toLiveGrant(row: GrantRow): LiveGrant {
  return {
    id: row.id,
    source: row.source,
    amount: row.amount,
    remaining: row.remaining,
    spent: row.spent,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    period: row.period,
  };
}

const firstDayOf = (period: string) => `${period}-01`;

/** Requests and tokens of usage rows on `day`, from the rollup. */
export function usageOn(sql: Sql, day: string): { requests: number; tokens: number } {
  return sql.one<{ requests: number; tokens: number }>(
    'day usage',
    'SELECT COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(tokens), 0) AS tokens FROM usage_rollup WHERE day = ?',
    day,
  );
}

/**
 * A new period began on `fromDay`: the rollup's days before it join the account's carried totals, so
 * lifetime figures read the current period's rows and not the account's whole history. Nothing is
 * written when the boundary has not moved.
 */
function carryUsage(sql: Sql, fromDay: string): void {
  const before = 'FROM usage_rollup WHERE day >= account.carried_through AND day < ?1';
  sql.run(
    'usage carry',
    `UPDATE account SET
       carried_requests = carried_requests + (SELECT COALESCE(SUM(requests), 0) ${before}),
       carried_tokens = carried_tokens + (SELECT COALESCE(SUM(tokens), 0) ${before}),
       carried_last_at = NULLIF(MAX(COALESCE(carried_last_at, 0), COALESCE((SELECT MAX(last_at) ${before}), 0)), 0),
       carried_through = ?1
     WHERE carried_through < ?1`,
    fromDay,
  );
}
