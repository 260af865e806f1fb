// The machinery every operation of a user's object shares: the stores, the clock, the schema, bringing
// the account up to date before anything reads it (open, expiries, resets), the one alarm, pricing
// from the object's own copy, and reads. Every mutation goes through mutate.ts with this shell;
// UserAccount only wires the RPC methods.
import type { Env } from '../../env';
import { logLine, newRun, type Trace } from '../contract/logLine';
import type { ModelPrice } from '../../money/cost';
import { dayOf, periodEnd } from '../../money/period';
import { DEFAULT_PLAN_ID } from '../core/plans';
import { planLookup } from '../stores/catalogLink';
import { unknownAgent } from './agentCheck';
import { PriceBook } from '../stores/priceBook';
import type { AccountFailure, AccountResult, AccountSnapshot, Reservation, ReadOptions } from '../contract/rpc';
import { catchUp, newAccountState, nextDeadline, openAccount } from '../core/cycle';
import type { Decision } from '../core/decision';
import { Draft } from '../core/draft';
import type { ReservationStatus } from '../core/reservationRules';
import { AccountStore } from '../stores/accountStore';
import { LedgerReads } from '../stores/ledgerReads';
import { Retention } from '../stores/retention';
import { ensureSchema } from '../stores/schema';
import { Sql } from '../stores/sql';
import { FactFlusher } from '../stores/factFlusher';
import { snapshotOf } from '../stores/balance';

export type Ready = { ok: true; now: number } | { ok: false; failure: AccountFailure };

/** A model's price in the object's own copy, and the exchange rate that goes with it. */
export interface Priced {
  price: ModelPrice;
  usdInrPaise: number;
}

const NO_ACCOUNT: AccountFailure = { code: 'not_found', message: 'No account for this user.' };
export const CATALOG_DOWN: AccountFailure = {
  code: 'catalog_unavailable',
  message: 'The catalog could not be read; nothing was changed. Try again shortly.',
};

export class AccountShell {
  readonly store: AccountStore;
  readonly log: LedgerReads;
  readonly prices: PriceBook;
  private readonly flusher: FactFlusher;
  private readonly retention: Retention;
  /** When the next expiry or reset is due (epoch ms); undefined until computed, -∞ while there is no account. */
  private deadline: number | undefined;
  /** The alarm time last set, so the hot path never writes it again. */
  private alarmAt: number | undefined;
  /** The user id once read from the account row. */
  private userId: string | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    readonly env: Env,
    /** The object's clock (tests move it). */
    readonly clock: () => number,
  ) {
    const sql = new Sql(ctx.storage.sql);
    // Synchronous, so it is done before the constructor returns; no request is let in before it,
    // and a schema this build cannot run fails the object loudly.
    void ctx.blockConcurrencyWhile(async () => ensureSchema(sql, ctx.storage));
    this.store = new AccountStore(sql, ctx.id.name ?? null);
    this.log = new LedgerReads(sql);
    this.flusher = new FactFlusher(this.store.outbox, this.store.ledgerFacts);
    this.retention = new Retention(sql);
    this.prices = new PriceBook(
      sql,
      () => this.env.DB,
      (promise) => ctx.waitUntil(promise),
    );
  }

  /** One synchronous SQLite transaction: everything inside commits together or not at all. */
  transact<T>(fn: () => T): T {
    try {
      return this.ctx.storage.transactionSync(fn);
    } catch (error) {
      this.store.forget();
      throw error;
    }
  }

  /**
   * The alarm fired: apply what is due (expiries, resets), then the outbox flush to D1 when rows
   * wait, and the retention pass (stores/retention.ts); set the next one.
   */
  async onAlarm(): Promise<void> {
    this.alarmAt = undefined;
    const run = newRun();
    const ready = await this.ready(false, run);
    if (ready.ok) {
      await this.flusher.flush(this.env.DB, this.ownUserId(), ready.now, run);
      this.retention.maybeRun(ready.now);
    }
    await this.armAlarm();
  }

  /**
   * The user id this object flushes under: stored on the account row, taken from the name the
   * Worker addressed the object by (idFromName(userId)) the first time it is known.
   */
  private ownUserId(): string | null {
    if (this.userId !== undefined) return this.userId;
    const stored = this.store.userId();
    if (stored === null && this.ctx.id.name !== undefined) {
      // Not kept in memory yet: the transaction writing it may still roll back.
      this.store.setUserId(this.ctx.id.name);
      return this.ctx.id.name;
    }
    // Kept once read back: an account's user never changes.
    if (stored !== null) this.userId = stored;
    return stored;
  }

  async read<T>(opts: ReadOptions, view: (now: number) => T): Promise<AccountResult<T>> {
    const ready = await this.ready(opts.openIfNew === true, opts);
    if (!ready.ok) return this.failed(ready.failure);
    return { ok: true, value: view(ready.now), snapshot: snapshotOf(this.log, ready.now) };
  }

  reservationOf(id: number): Reservation {
    const { day: _day, ...reservation } = this.store.reservation(id)!;
    return reservation;
  }

  /** How reservation `id` stands in `draft`: open there, else as stored (settled or unknown). */
  reservationStatus(draft: Draft, id: number): ReservationStatus {
    const open = draft.reservation(id);
    if (open) return { open };
    const reservation = this.store.reservation(id);
    if (!reservation) return { unknown: true };
    if (reservation.status === 'open') return { open: reservation };
    return { settled: reservation.status };
  }

  /**
   * The object's own price for `model`, or the refusal that names the known models; when `agent` is
   * given, also refused for an agent outside the active ones (naming them).
   */
  async priced(model: string, now: number, agent?: string): Promise<Decision<Priced>> {
    const prices = await this.prices.pricesFor(model, now, agent);
    if (!prices) return { ok: false, failure: CATALOG_DOWN };
    const unknown = agent === undefined ? undefined : unknownAgent(prices, agent);
    if (unknown) return { ok: false, failure: unknown };
    const price = prices.models[model];
    if (!price) {
      const known = Object.keys(prices.models).sort().join(', ');
      return {
        ok: false,
        failure: {
          code: 'invalid_request',
          message: `model: unknown model '${model}'; known: ${known}.`,
          details: { issues: [{ field: 'model', message: 'unknown model' }] },
        },
      };
    }
    return { ok: true, value: { price, usdInrPaise: prices.usdInrPaise } };
  }

  draft(now: number): Draft {
    return new Draft(this.store.state(dayOf(now)));
  }

  failed(failure: AccountFailure, now?: number): { ok: false; failure: AccountFailure; snapshot: AccountSnapshot } {
    const exists = now !== undefined && this.store.head() !== undefined;
    const snapshot = exists ? snapshotOf(this.log, now) : { remainingTokens: 0, tokensUsedToday: 0, requestsToday: 0 };
    return { ok: false, failure, snapshot };
  }

  /**
   * Bring the account up to `now` before anything reads it: open it if new (only when `open`),
   * apply every expiry and reset that is due. Nobody ever sees last month's numbers. The catalog
   * is read only when the account opens or a reset is due; at a reset it is optional (the
   * account keeps its stored terms when D1 cannot answer).
   */
  async ready(open: boolean, trace: Trace): Promise<Ready> {
    const now = this.clock();
    if (now < this.nextDeadline()) return { ok: true, now };
    let period = this.store.period();
    if (period === undefined) {
      if (!open) return { ok: false, failure: NO_ACCOUNT };
      const plans = await planLookup(this.env.DB, 'required', trace);
      const start = plans.plan(DEFAULT_PLAN_ID);
      if (!start) return { ok: false, failure: CATALOG_DOWN };
      this.transact(() => {
        if (this.store.head()) return; // another request opened it while this one read the catalog
        const draft = new Draft(newAccountState(start.terms, now, dayOf(now)));
        openAccount(draft, now);
        // The account row is written with the object's name as its user id.
        this.store.apply(draft.changes, now);
        this.store.remember(draft.state());
      });
      period = this.store.period()!;
    }
    const resetDue = now >= periodEnd(period);
    const lookup = resetDue ? (await planLookup(this.env.DB, 'optional', trace)).plan : () => undefined;
    this.transact(() => {
      const draft = this.draft(now);
      catchUp(draft, now, (id) => lookup(id)?.terms);
      for (const warning of draft.warnings) logLine('warn', 'reset', trace, { warning });
      if (draft.changes.length === 0) return;
      this.store.apply(draft.changes, now);
      this.store.remember(draft.state());
    });
    await this.afterCommit(trace, true);
    return { ok: true, now };
  }

  private nextDeadline(): number {
    if (this.deadline === undefined) {
      const inputs = this.store.deadlineInputs();
      this.deadline = inputs ? nextDeadline(inputs) : Number.NEGATIVE_INFINITY;
    }
    return this.deadline;
  }

  /**
   * After a committed change (`deadlinesMoved` when it may have moved a reset, an expiry or a reservation's
   * end): the alarm follows. Failing to set it is logged, not thrown: what was written stands, a
   * failed answer would only be retried into a replay, and the next call or alarm sets it again.
   */
  async afterCommit(trace: Trace, deadlinesMoved = false): Promise<void> {
    if (deadlinesMoved) this.deadline = undefined;
    await this.armAlarm().catch((error: unknown) => logLine('error', 'alarm not set', trace, { error: String(error) }));
  }

  // One alarm for every deadline: kept at the earliest (next reset, grant or reservation expiry, outbox flush).
  // The alarm handler lets a failure here throw, so the runtime retries it.
  private async armAlarm(): Promise<void> {
    let at = Math.min(this.nextDeadline(), this.flusher.dueAt() ?? Number.POSITIVE_INFINITY);
    if (this.flusher.mayHaveUnknownWaiting()) {
      // Woken with the flush cursor unknown: an alarm set before may be the one that flushes usage
      // rows waiting since; never move it later (when it fires, the flush asks D1).
      this.alarmAt ??= (await this.ctx.storage.getAlarm()) ?? undefined;
      if (this.alarmAt !== undefined) at = Math.min(at, this.alarmAt);
    }
    if (at === this.alarmAt || !Number.isFinite(at)) return;
    await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }
}
