// Bench only (`npm run bench:cost`): the service's own UserAccount, unchanged, with counters around
// what Cloudflare bills an object for: every SQL statement's rows written and read (SQLite's own
// cursor counters, as test/workers/account/rowsWritten.test.ts reads them), each `setAlarm` (billed
// as one row written), each RPC call and alarm (one request each), and the rows D1 reports for the
// batches the object sends. Nothing here knows a table of the account: the counters wrap the storage
// API, so they keep counting whatever the schema becomes.
//
// The object runs on a virtual clock the bench sets (a date far in the future, so the alarms it sets
// never fire on their own during a run): the bench runs each alarm itself when the virtual time
// reaches it, and the counts depend on what happened, never on how long it took.
import { UserAccount } from '../src/account/UserAccount';
import { Retention } from '../src/account/stores/retention';
import { Sql } from '../src/account/stores/sql';
import { USAGE_KEY_REPLAY_WINDOW_MS } from '../src/money/limits';
import type { Env } from '../src/env';

/** What one object was billed for, as counts. */
export interface CostCounts {
  /** `sql.exec` calls. */
  statements: number;
  /** Distinct statement texts this object instance ran for the first time (each prepared once per instance). */
  firstSeenStatements: number;
  rowsWritten: number;
  rowsRead: number;
  /** `setAlarm` calls: each is billed as one row written. */
  setAlarms: number;
  /** RPC calls into the object (each a billed request). */
  rpcCalls: number;
  /** Alarm invocations (each a billed request). */
  alarms: number;
  /** Times the object was constructed (a new or woken instance). */
  constructed: number;
  /** D1 batches that write (the analytics flush), and the rows D1 reports for them. */
  d1WriteBatches: number;
  d1RowsWritten: number;
  d1RowsRead: number;
  /** Read-only D1 batches (the catalog, cached per isolate for CATALOG_TTL_MS of real time: not per operation). */
  d1ReadBatches: number;
  d1ReadRowsRead: number;
}

const zero = (): CostCounts => ({
  statements: 0,
  firstSeenStatements: 0,
  rowsWritten: 0,
  rowsRead: 0,
  setAlarms: 0,
  rpcCalls: 0,
  alarms: 0,
  constructed: 0,
  d1WriteBatches: 0,
  d1RowsWritten: 0,
  d1RowsRead: 0,
  d1ReadBatches: 0,
  d1ReadRowsRead: 0,
});

/** 2100-01-04 10:00 UTC: every account's virtual time until the bench moves it. */
export const COST_CLOCK_START_MS = Date.UTC(2100, 0, 4, 10);

/** One object's counters and clock, in the isolate (they outlive an instance the runtime evicts). */
interface Tracked {
  counts: CostCounts;
  clockMs: number;
  /** The alarm time last set through the storage API, or null once it ran. */
  alarmAt: number | null;
}
const tracked = new Map<string, Tracked>();
function trackedOf(name: string): Tracked {
  let t = tracked.get(name);
  if (!t) tracked.set(name, (t = { counts: zero(), clockMs: COST_CLOCK_START_MS, alarmAt: null }));
  return t;
}

/** What a retention pass that ran now would write and read, measured in a transaction rolled back. */
export interface PurgeCounts {
  statements: number;
  rowsWritten: number;
  rowsRead: number;
}

const ROLLBACK = new Error('bench: rolled back on purpose');

export class CountedAccount extends UserAccount {
  private readonly costName: string;
  /** Where counts go; swapped while a purge is measured, so it never counts as the operation's. */
  private readonly costHolder: { sink: CostCounts };
  private readonly pending = new Set<Promise<unknown>>();

  constructor(ctx: DurableObjectState, env: Env) {
    const name = ctx.id.name ?? ctx.id.toString();
    const holder = { sink: trackedOf(name).counts };
    holder.sink.constructed++;
    // Before super(): the constructor's schema step is the first thing counted.
    countSql(ctx.storage.sql, () => holder.sink);
    super(
      ctx,
      countedEnv(env, () => holder.sink),
    );
    this.costName = name;
    this.costHolder = holder;
    this.clock = () => trackedOf(this.costName).clockMs;
    const storage = ctx.storage;
    const setAlarm = storage.setAlarm.bind(storage);
    storage.setAlarm = (at, options) => {
      this.costHolder.sink.setAlarms++;
      trackedOf(this.costName).alarmAt = typeof at === 'number' ? at : at.getTime();
      return setAlarm(at, options);
    };
    const waitUntil = ctx.waitUntil.bind(ctx);
    ctx.waitUntil = (promise) => {
      this.pending.add(promise);
      void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
      waitUntil(promise);
    };
  }

  /** The counters so far (not a billed call: the bench's own). */
  costRead(): { counts: CostCounts; clockMs: number; alarmAt: number | null; databaseSizeBytes: number } {
    const t = trackedOf(this.costName);
    return {
      counts: { ...t.counts },
      clockMs: t.clockMs,
      alarmAt: t.alarmAt,
      databaseSizeBytes: this.ctx.storage.sql.databaseSize,
    };
  }

  /** Move the object's virtual clock (never back). */
  costClock(ms: number): ReturnType<CountedAccount['costRead']> {
    const t = trackedOf(this.costName);
    if (ms < t.clockMs) throw new Error(`bench: the clock of ${this.costName} cannot go back`);
    t.clockMs = ms;
    return this.costRead();
  }

  /** Wait until the work the object left running after its answer (a price refresh) is done; then the counters. */
  async costSettle(): Promise<ReturnType<CountedAccount['costRead']>> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    // The counters of a statement are read once its rows were taken (a microtask after it ran).
    await new Promise((resolve) => setTimeout(resolve, 0));
    return this.costRead();
  }

  /** Run the alarm now, as the runtime would at its time (it clears the alarm first); settled. */
  async costAlarm(): Promise<ReturnType<CountedAccount['costRead']>> {
    trackedOf(this.costName).alarmAt = null;
    await this.alarm();
    return this.costSettle();
  }

  /**
   * What the retention pass (the object's own code, stores/retention.ts) would write once everything
   * the account holds now is past its replay window: run with the clock moved past the window, in a
   * transaction that is rolled back, so nothing changes and nothing counts as the operation's.
   */
  async costPurge(): Promise<PurgeCounts> {
    const sink = zero();
    this.costHolder.sink = sink;
    try {
      const retention = new Retention(new Sql(this.ctx.storage.sql));
      const later = this.clock() + USAGE_KEY_REPLAY_WINDOW_MS + 1;
      try {
        this.ctx.storage.transactionSync(() => {
          retention.maybeRun(later);
          throw ROLLBACK;
        });
      } catch (error) {
        if (error !== ROLLBACK) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    } finally {
      this.costHolder.sink = trackedOf(this.costName).counts;
    }
    return { statements: sink.statements, rowsWritten: sink.rowsWritten, rowsRead: sink.rowsRead };
  }
}

// Every RPC method and the alarm of UserAccount, counted as the request it is billed as. (The runtime
// exposes methods found on the class's prototype chain, so the counting wrappers are prototype methods.)
for (const name of Object.getOwnPropertyNames(UserAccount.prototype)) {
  if (name === 'constructor') continue;
  const method = (UserAccount.prototype as unknown as Record<string, unknown>)[name];
  if (typeof method !== 'function') continue;
  Object.defineProperty(CountedAccount.prototype, name, {
    configurable: true,
    writable: true,
    value: function (this: CountedAccount, ...args: unknown[]) {
      const sink = (this as unknown as { costHolder: { sink: CostCounts } }).costHolder.sink;
      if (name === 'alarm') sink.alarms++;
      else sink.rpcCalls++;
      return (method as (...a: unknown[]) => unknown).apply(this, args);
    },
  });
}

/** Count every statement the object runs: its rows once they were taken (the next microtask). */
function countSql(sql: SqlStorage, sink: () => CostCounts): void {
  const exec = sql.exec.bind(sql);
  const seen = new Set<string>();
  sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
    const cursor = exec(query, ...bindings);
    const counts = sink();
    counts.statements++;
    if (!seen.has(query)) {
      seen.add(query);
      counts.firstSeenStatements++;
    }
    queueMicrotask(() => {
      counts.rowsWritten += cursor.rowsWritten;
      counts.rowsRead += cursor.rowsRead;
    });
    return cursor;
  }) as typeof sql.exec;
}

/** The env with a D1 binding that adds up the rows D1 reports for every batch the object sends. */
function countedEnv(env: Env, sink: () => CostCounts): Env {
  const db = env.DB;
  const sqlOf = new WeakMap<object, string>();
  const remember = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    sqlOf.set(statement, sql);
    const bind = statement.bind.bind(statement);
    statement.bind = (...values: unknown[]) => remember(bind(...values), sql);
    return statement;
  };
  const counted = new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => remember(target.prepare(sql), sql);
      if (property === 'batch')
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements);
          const readOnly = statements.every((s) => /^\s*SELECT\b/i.test(sqlOf.get(s) ?? ''));
          const counts = sink();
          const rowsRead = results.reduce((n, r) => n + (r.meta?.rows_read ?? 0), 0);
          if (readOnly) {
            counts.d1ReadBatches++;
            counts.d1ReadRowsRead += rowsRead;
          } else {
            counts.d1WriteBatches++;
            counts.d1RowsRead += rowsRead;
            counts.d1RowsWritten += results.reduce((n, r) => n + (r.meta?.rows_written ?? 0), 0);
          }
          return results;
        };
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return Object.create(env, { DB: { value: counted, enumerable: true } }) as Env;
}
