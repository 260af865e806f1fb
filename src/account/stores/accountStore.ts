// Loading an account's state for the core and applying the core's changes: the one store every
// mutation writes through (the project and Stripe tables by way of their own stores). Synchronous,
// so a caller loads, decides and applies inside one transactionSync with nothing in between.
import type { Allocation, GrantSource } from '../../money/grant';
import type { Hold, PlanTerms, Transaction, TransactionDetail, TransactionType, UsageTotals } from '../contract/rpc';
import type { AccountState, Change, LiveGrant, NewEntry, OpenHold } from '../core/draft';
import { IdempotencyStore } from './idempotency';
import { outboxFactsOf } from './outboxRows';
import { OutboxStore } from './outboxStore';
import { ProjectStore } from './projectStore';
import { StripeStore } from './stripeStore';
import type { Sql } from './sql';
import { SummedWrites, type DayCounts } from './summedWrites';

interface AccountHead {
  period: string;
  terms: PlanTerms;
  pendingTerms: PlanTerms | null;
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

export interface TransactionRow {
  seq: number;
  type: TransactionType;
  tokens: number;
  tokens_before: number;
  tokens_after: number;
  at: number;
  agent: string | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd_micros: number | null;
  cost_inr_paise: number | null;
  description: string | null;
  allocations: string;
  detail: string | null;
  [column: string]: SqlStorageValue;
}

/** A hold whatever its status, with the day whose request count it took. */
export type HoldRow = Hold & Pick<OpenHold, 'day'> & Record<string, SqlStorageValue>;

export class AccountStore {
  /** Analytics facts for D1, written by apply with the changes they describe. */
  readonly outbox: OutboxStore;
  /**
   * The state a decision starts from, kept between requests so consecutive usage skips its six
   * reads. Only `remember` sets it, only after the changes it describes were applied; any other
   * `apply` and any rolled-back transaction (`forget`) drop it, and a new UTC day reloads it.
   */
  private cached: AccountState | undefined;
  readonly idempotency: IdempotencyStore;
  readonly projects: ProjectStore;
  readonly stripe: StripeStore;

  constructor(private readonly sql: Sql) {
    this.outbox = new OutboxStore(sql);
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
    const row = this.sql.first<{ period: string; terms: string; pending_terms: string | null; created_at: number }>(
      'account head',
      'SELECT period, terms, pending_terms, created_at FROM account',
    );
    if (!row) return undefined;
    return {
      period: row.period,
      terms: JSON.parse(row.terms) as PlanTerms,
      pendingTerms: row.pending_terms === null ? null : (JSON.parse(row.pending_terms) as PlanTerms),
      createdAt: row.created_at,
    };
  }

  /** Everything a decision may look at; `day` picks the day counters. */
  state(day: string): AccountState {
    if (this.cached?.today.day === day) return this.cached;
    const head = this.head();
    if (!head) throw new Error('account: state of an account that does not exist');
    const today = this.sql.first<{ requests: number; tokens: number }>(
      'day counters',
      'SELECT requests, tokens FROM daily_usage WHERE day = ?',
      day,
    );
    return {
      period: head.period,
      terms: head.terms,
      pendingTerms: head.pendingTerms,
      grants: this.liveGrants(),
      today: { day, requests: today?.requests ?? 0, tokens: today?.tokens ?? 0 },
      nextGrantId: this.sql.one<{ next: number }>(
        'next grant id',
        'SELECT COALESCE(MAX(id), 0) + 1 AS next FROM grants',
      ).next,
      holds: this.openHolds(),
      nextHoldId: this.sql.one<{ next: number }>('next hold id', 'SELECT COALESCE(MAX(id), 0) + 1 AS next FROM holds')
        .next,
      // Numbered by the draft, so a change can name the row it appends before it is written.
      nextSeq: this.nextSeq(),
    };
  }

  openHolds(): OpenHold[] {
    return this.sql.rows<OpenHold & Record<string, SqlStorageValue>>(
      'open holds',
      `SELECT id, agent, model, tokens, created_at AS createdAt, expires_at AS expiresAt, day, project_id AS projectId
       FROM holds WHERE status = 'open' ORDER BY id`,
    );
  }

  /** A hold whatever its status, or undefined when there is none with this id. */
  hold(id: number): HoldRow | undefined {
    return this.sql.first<HoldRow>(
      'hold by id',
      `SELECT id, agent, model, tokens, created_at AS createdAt, expires_at AS expiresAt, day, project_id AS projectId,
              status, settled_at AS settledAt FROM holds WHERE id = ?`,
      id,
    );
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
   * a caller that passes its own `summed` (a group of usage records) writes them once for the whole
   * group with `writeSummed`, before its transaction ends.
   */
  apply(changes: readonly Change[], createdAt: number, into?: SummedWrites): Transaction[] {
    this.cached = undefined;
    const summed = into ?? new SummedWrites();
    const appended: Transaction[] = [];
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
          break;
        case 'append':
          appended.push(this.append(change.entry));
          break;
        case 'account':
          this.sql.run(
            'account upsert',
            `INSERT INTO account (id, terms, pending_terms, period, created_at) VALUES (1, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET terms = excluded.terms, pending_terms = excluded.pending_terms, period = excluded.period`,
            JSON.stringify(change.terms),
            change.pendingTerms === null ? null : JSON.stringify(change.pendingTerms),
            change.period,
            createdAt,
          );
          break;
        case 'payment':
          // Nothing of the account's own changes: the payment is a fact for analytics (the outbox).
          break;
        case 'hold_open': {
          const h = change.hold;
          this.sql.run(
            'hold open',
            `INSERT INTO holds (id, agent, model, tokens, created_at, expires_at, day, project_id, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')`,
            h.id,
            h.agent,
            h.model,
            h.tokens,
            h.createdAt,
            h.expiresAt,
            h.day,
            h.projectId,
          );
          break;
        }
        case 'hold_settle':
          this.sql.run(
            'hold settle',
            "UPDATE holds SET status = ?, settled_at = ? WHERE id = ? AND status = 'open'",
            change.status,
            change.at,
            change.holdId,
          );
          break;
        case 'requests':
          summed.day(change.day, { requests: change.delta, tokens: 0, lastAt: change.at });
          break;
        case 'usage_count': {
          const u = change.usage;
          const day = { requests: change.countsRequest ? 1 : 0, tokens: u.chargedTokens, lastAt: u.at };
          const rollup = {
            requests: 1,
            tokens: u.chargedTokens,
            inputTokens: u.inputTokens,
            outputTokens: u.outputTokens,
            costUsdMicros: u.costUsdMicros,
            costInrPaise: u.costInrPaise,
          };
          summed.usage(u.day, u.agent, u.model, day, rollup);
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
        case 'key_claim':
          this.idempotency.record(change.key, {
            fingerprint: change.fingerprint,
            seq: appended.at(-1)?.seq ?? null,
            outcome: null,
          });
          break;
      }
    }
    summed.facts.push(...outboxFactsOf(changes, appended));
    if (!into) this.writeSummed(summed, createdAt);
    return appended;
  }

  /** Write what `apply` summed: one statement per grant, day and rollup row touched, one for the outbox. */
  writeSummed(summed: SummedWrites, createdAt: number): void {
    this.cached = undefined;
    for (const [grantId, m] of summed.moves) this.moveGrant(grantId, m.delta, m.spent);
    for (const [day, counts] of summed.days) this.countDay(day, counts);
    for (const r of summed.rollups.values()) this.addRollup(r.day, r.agent, r.model, r.totals);
    this.outbox.write(summed.facts, createdAt);
  }

  private moveGrant(grantId: number, delta: number, spent: number): void {
    this.sql.run(
      'grant move',
      'UPDATE grants SET remaining = remaining + ?, spent = spent + ? WHERE id = ?',
      delta,
      spent,
      grantId,
    );
  }

  private countDay(day: string, c: DayCounts): void {
    this.sql.run(
      'day count',
      `INSERT INTO daily_usage (day, requests, tokens, last_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (day) DO UPDATE SET requests = requests + excluded.requests, tokens = tokens + excluded.tokens,
         last_at = MAX(last_at, excluded.last_at)`,
      day,
      c.requests,
      c.tokens,
      c.lastAt,
    );
  }

  private addRollup(day: string, agent: string, model: string, t: UsageTotals): void {
    this.sql.run(
      'rollup add',
      `INSERT INTO usage_rollup VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (day, agent, model) DO UPDATE SET requests = requests + excluded.requests, tokens = tokens + excluded.tokens,
         input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
         cost_usd_micros = cost_usd_micros + excluded.cost_usd_micros, cost_inr_paise = cost_inr_paise + excluded.cost_inr_paise`,
      day,
      agent,
      model,
      t.requests,
      t.tokens,
      t.inputTokens,
      t.outputTokens,
      t.costUsdMicros,
      t.costInrPaise,
    );
  }

  /** SQLite's own choice for an INTEGER PRIMARY KEY: the largest plus one (ledger rows are never deleted). */
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

  private append(e: NewEntry): Transaction {
    // A Draft numbers its rows; an entry built by hand without one takes the table's next seq.
    const seq = (e.seq as number | undefined) ?? this.nextSeq();
    this.sql.run(
      'ledger append',
      `INSERT INTO transactions (seq, type, tokens, tokens_before, tokens_after, at, agent, model, input_tokens, output_tokens,
         cost_usd_micros, cost_inr_paise, description, allocations, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      seq,
      e.type,
      e.tokens,
      e.tokensBefore,
      e.tokensAfter,
      e.at,
      e.agent ?? null,
      e.model ?? null,
      e.inputTokens ?? null,
      e.outputTokens ?? null,
      e.costUsdMicros ?? null,
      e.costInrPaise ?? null,
      e.description,
      JSON.stringify(e.allocations),
      e.detail === null ? null : JSON.stringify(e.detail),
    );
    return {
      seq,
      type: e.type,
      tokens: e.tokens,
      tokensBefore: e.tokensBefore,
      tokensAfter: e.tokensAfter,
      at: e.at,
      agent: e.agent ?? null,
      model: e.model ?? null,
      inputTokens: e.inputTokens ?? null,
      outputTokens: e.outputTokens ?? null,
      costUsdMicros: e.costUsdMicros ?? null,
      costInrPaise: e.costInrPaise ?? null,
      description: e.description,
      movements: e.allocations.map(([grantId, tokens]) => ({ grantId, tokens })),
      detail: e.detail,
    };
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

export function toTransaction(row: TransactionRow): Transaction {
  return {
    seq: row.seq,
    type: row.type,
    tokens: row.tokens,
    tokensBefore: row.tokens_before,
    tokensAfter: row.tokens_after,
    at: row.at,
    agent: row.agent,
    model: row.model,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsdMicros: row.cost_usd_micros,
    costInrPaise: row.cost_inr_paise,
    description: row.description,
    movements: (JSON.parse(row.allocations) as Allocation[]).map(([grantId, tokens]) => ({ grantId, tokens })),
    detail: row.detail === null ? null : (JSON.parse(row.detail) as TransactionDetail),
  };
}
