// Bench-only Worker, bundled apart from the service: a UserAccount subclass whose extra methods
// run many operations inside ONE call, so bench/run.mjs can time them from Node. (Inside workerd
// the clock only advances on I/O, so the object cannot time its own synchronous work.)
import { DurableObject } from 'cloudflare:workers';
import { UserAccount } from '../src/account/UserAccount';
import type { UsageRequest } from '../src/account/contract/rpc';
import { idempotencyKeys } from '../src/account/contract/keys';
import type { Env } from '../src/env';
import { bearerOnly, userIdParam } from '../src/worker/http/auth';
import type { ApiRequest } from '../src/worker/http/context';
import { createRouter } from '../src/worker/http/router';
import { CountedAccount } from './countedAccount';

export { CountedAccount };

interface BenchEnv {
  DB: D1Database;
  BENCH_ACCOUNT: DurableObjectNamespace<BenchAccount>;
  BARE_OBJECT: DurableObjectNamespace<BareObject>;
  /** The service's own objects (script `api`), for filling one user's log through real RPC. */
  USER_ACCOUNT: DurableObjectNamespace<UserAccount>;
  /** The service's accounts with their billing counters (bench/countedAccount.ts); the cost run routes the service's binding here. */
  COUNTED_ACCOUNT: DurableObjectNamespace<CountedAccount>;
  /** The service's token, so the object-floor route authenticates exactly as the usage route does. */
  SERVICE_TOKEN?: string;
}

/** RPC calls the bench Worker keeps in flight when it fills a log or opens many accounts. */
const IN_FLIGHT_MAX = 100;
const READ_KINDS = ['balance', 'transactions', 'transactionsUntil', 'analytics'] as const;
type ReadKind = (typeof READ_KINDS)[number];
const FAR_FUTURE_MS = Date.UTC(2100, 0, 1);

/**
 * An object that never touches its storage (what creating an object costs the runtime alone), or
 * that commits one small row (the least a durable mutation costs an object).
 */
export class BareObject extends DurableObject {
  private hasTable = false;

  noop(): number {
    return 0;
  }

  write(): number {
    const sql = this.ctx.storage.sql;
    if (!this.hasTable) sql.exec('CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
    this.hasTable = true;
    return sql
      .exec<{ n: number }>(
        'INSERT INTO counter (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1 RETURNING n',
      )
      .one().n;
  }
}

/**
 * What a first call to a new object pays, step by step, and a woken object's call (see `coldObjects`):
 * `bare` a new bare object's no-op (the runtime alone), `bareWrite` a new bare object's first write
 * (a one-table schema and one row: the floor of a first call), `schema` a new account object
 * constructed (its schema), `account` opened by a balance read, `usage` opened by a first deduction;
 * `bareWake` and `usageWake` the same objects as `bareWrite` and `usage` called again once evicted.
 */
const COLD_KINDS = ['bare', 'bareWrite', 'schema', 'account', 'usage', 'bareWake', 'usageWake'] as const;
type ColdKind = (typeof COLD_KINDS)[number];
const COLD_NAME_OF: Partial<Record<ColdKind, ColdKind>> = { bareWake: 'bareWrite', usageWake: 'usage' };

export class BenchAccount extends UserAccount {
  /** Open the account and add bonus grants until `liveGrants` grants are live (the monthly one counts). */
  async seedGrants(liveGrants: number, tokensEach: number): Promise<number> {
    await this.balance({ openIfNew: true }); // opens the account: its monthly grant is the first live one
    for (let i = this.liveGrantCount(); i < liveGrants; i++) {
      const outcome = await this.credit({
        source: 'bonus',
        transactionType: 'bonus',
        tokens: tokensEach,
        description: 'bench grant',
        expiresAt: FAR_FUTURE_MS + i * 86_400_000,
        idempotencyKey: idempotencyKeys.adminGrant(`bench-grant-${i}`),
      });
      if (!outcome.ok) throw new Error('bench: grant refused');
    }
    return this.liveGrantCount();
  }

  /** `count` deductions through the production RPC code, one transactionSync each, UUID keys like real clients'. */
  async deduct(count: number): Promise<number> {
    const usage = usageTemplate();
    for (let i = 0; i < count; i++) {
      // A one-record batch: the deduction's own transaction, without waiting for a commit in between.
      const outcome = await this.recordUsageBatch([
        { ...usage, idempotencyKey: idempotencyKeys.usage(crypto.randomUUID()) },
      ]);
      const record = outcome.ok ? outcome.value[0] : undefined;
      if (!record?.ok || record.replayed) throw new Error(`bench: deduction ${i} was not applied`);
    }
    return count;
  }

  /**
   * Delete the outbox rows, as the flush does once D1 has counted them (within 30 s in service):
   * storage per row is then what an account keeps, not analytics facts waiting for their flush.
   */
  drainOutbox(): number {
    return this.ctx.storage.sql.exec('DELETE FROM outbox').rowsWritten;
  }

  /** `count` reads of the balance, a page of the log or the analytics, for the history-length check. */
  async reads(count: number, what: ReadKind): Promise<number> {
    for (let i = 0; i < count; i++) {
      if (what === 'balance') await this.balance();
      else if (what === 'transactions') await this.transactions({ limit: 20 });
      // A time filter no row matches: the seq bounds come from a binary search over the log.
      else if (what === 'transactionsUntil') await this.transactions({ limit: 20, until: 1 });
      else await this.analytics();
    }
    return count;
  }

  /** Nothing: the floor of one RPC round trip to an object. */
  noop(): number {
    return 0;
  }

  stats(): { databaseSizeBytes: number; transactionRows: number; liveGrants: number } {
    const sql = this.ctx.storage.sql;
    const transactionRows = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM transactions').one().n;
    return { databaseSizeBytes: sql.databaseSize, transactionRows, liveGrants: this.liveGrantCount() };
  }

  /**
   * EXPLAIN QUERY PLAN of every statement the read paths and one deduction run, captured by
   * wrapping `sql.exec` for the duration of the calls.
   */
  async queryPlans(): Promise<{ call: string; sql: string; plan: string[] }[]> {
    const sql = this.ctx.storage.sql;
    const exec = sql.exec;
    const seen: { call: string; sql: string; args: SqlStorageValue[] }[] = [];
    let current = '';
    sql.exec = ((query: string, ...args: SqlStorageValue[]) => {
      seen.push({ call: current, sql: query, args });
      return exec.call(sql, query, ...args);
    }) as typeof sql.exec;
    try {
      const usage = usageTemplate();
      const calls: [string, () => Promise<unknown>][] = [
        ['balance', () => this.balance()],
        ['transactions', () => this.transactions({ limit: 20 })],
        ['transactions?cursor', () => this.transactions({ limit: 20, beforeSeq: 50_000 })],
        ['transactions?type=usage', () => this.transactions({ limit: 20, type: 'usage' })],
        ['transactions?agent=code', () => this.transactions({ limit: 20, agent: 'code' })],
        ['transactions?since', () => this.transactions({ limit: 20, since: Date.now() - 86_400_000 })],
        ['transactions?until', () => this.transactions({ limit: 20, until: 1 })],
        ['analytics', () => this.analytics()],
        [
          'recordUsage',
          () => this.recordUsage({ ...usage, idempotencyKey: idempotencyKeys.usage(`plan-${crypto.randomUUID()}`) }),
        ],
      ];
      for (const [name, run] of calls) {
        current = name;
        await run();
      }
    } finally {
      sql.exec = exec;
    }
    const unique = new Map<string, (typeof seen)[number]>();
    for (const s of seen)
      if (!/^\s*(INSERT|UPDATE|CREATE|SAVEPOINT|RELEASE)/i.test(s.sql)) unique.set(`${s.call}|${s.sql}`, s);
    return [...unique.values()].map((s) => ({
      call: s.call,
      sql: s.sql.replace(/\s+/g, ' ').trim(),
      plan: exec
        .call(sql, `EXPLAIN QUERY PLAN ${s.sql}`, ...s.args)
        .toArray()
        .map((row) => String(row.detail)),
    }));
  }

  private liveGrantCount(): number {
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM grants WHERE closed_at IS NULL').one().n;
  }
}

/** The deduction every benchmark charges: 1,200 + 1,300 tokens of the `code` agent on sonnet (priced by the object). */
function usageTemplate(): Omit<UsageRequest, 'idempotencyKey'> {
  return { agent: 'code', model: 'sonnet', inputTokens: 1200, outputTokens: 1300 };
}

/** `call(i)` for every i below `count`, IN_FLIGHT_MAX at a time. */
async function inFlight(count: number, call: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += IN_FLIGHT_MAX) {
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT_MAX, count - start) }, (_, j) => call(start + j)));
  }
}

type Command = { op: string; name?: string; [key: string]: unknown };

/**
 * The floors, reached over HTTP on this Worker's own socket (bench/service.mjs): the service's
 * request pipeline and service-token check, then one no-op RPC into the user's object (the object
 * floor), or one RPC into a bare object that commits one row (the write floor). What a deduction
 * costs beyond these is the deduction itself (body, validation, the transaction's rows).
 */
const floorRouter = createRouter();
floorRouter.all('/bench/v1/service/*', bearerOnly('SERVICE_TOKEN', 'service'));
const FLOORS = {
  noop: (env: BenchEnv, name: string) => env.BENCH_ACCOUNT.get(env.BENCH_ACCOUNT.idFromName(name)).noop(),
  write: (env: BenchEnv, name: string) => env.BARE_OBJECT.get(env.BARE_OBJECT.idFromName(name)).write(),
};
floorRouter.post('/bench/v1/service/users/:userId/:floor', async (request: ApiRequest, env: Env) => {
  const userId = userIdParam(request);
  const floor = FLOORS[request.params.floor as keyof typeof FLOORS];
  if (!floor) return undefined; // 404
  await request.arrayBuffer(); // the same body as a deduction crosses the same path, unparsed
  return { ok: true, result: await floor(env as unknown as BenchEnv, userId) };
});

/** POST / with a JSON command; one object per `name`. Sent from Node (service.bench); the socket listens on 127.0.0.1 only. */
export default {
  async fetch(request, env) {
    // The floor route needs no ExecutionContext (nothing runs after its response).
    if (new URL(request.url).pathname.startsWith('/bench/'))
      return floorRouter.fetch(request as never, env as never, undefined as never);
    const command = (await request.json()) as Command;
    const bench = () => env.BENCH_ACCOUNT.get(env.BENCH_ACCOUNT.idFromName(String(command.name)));
    switch (command.op) {
      case 'seedGrants':
        return Response.json(await bench().seedGrants(Number(command.liveGrants), Number(command.tokensEach)));
      case 'deduct':
        return Response.json(await bench().deduct(Number(command.count)));
      case 'reads':
        return Response.json(
          await bench().reads(Number(command.count), READ_KINDS.find((k) => k === command.what) ?? 'balance'),
        );
      case 'stats':
        return Response.json(await bench().stats());
      case 'drainOutbox':
        return Response.json(await bench().drainOutbox());
      case 'queryPlans':
        return Response.json(await bench().queryPlans());
      case 'fillUser': {
        // Real deductions on a service object through its RPC, so the HTTP reads can be timed on a
        // long log (the object still applies them one by one).
        const account = env.USER_ACCOUNT.get(env.USER_ACCOUNT.idFromName(String(command.name)));
        const usage = usageTemplate();
        await inFlight(Number(command.count), async () => {
          if (!(await account.recordUsage({ ...usage, idempotencyKey: idempotencyKeys.usage(crypto.randomUUID()) })).ok)
            throw new Error('bench: a fill deduction was refused');
        });
        return Response.json(command.count);
      }
      case 'coldObjects': {
        // `count` objects of one kind (COLD_KINDS), 100 at a time: new ones, or for a wake the objects
        // of an earlier step once the runtime evicted them. Node reads workerd's CPU around the call.
        const kind: ColdKind = COLD_KINDS.find((k) => k === command.kind) ?? 'bare';
        const usage = usageTemplate();
        await inFlight(Number(command.count), async (i) => {
          const name = `${command.name}-${COLD_NAME_OF[kind] ?? kind}-${i}`;
          if (kind === 'bare') await env.BARE_OBJECT.get(env.BARE_OBJECT.idFromName(name)).noop();
          else if (kind === 'bareWrite' || kind === 'bareWake')
            await env.BARE_OBJECT.get(env.BARE_OBJECT.idFromName(name)).write();
          else if (kind === 'schema') await env.BENCH_ACCOUNT.get(env.BENCH_ACCOUNT.idFromName(name)).noop();
          else {
            const account = env.USER_ACCOUNT.get(env.USER_ACCOUNT.idFromName(name));
            const outcome =
              kind === 'account'
                ? await account.balance({ openIfNew: true })
                : await account.recordUsage({ ...usage, idempotencyKey: idempotencyKeys.usage(crypto.randomUUID()) });
            if (!outcome.ok) throw new Error(`bench: cold ${kind} refused`);
          }
        });
        return Response.json(command.count);
      }
      case 'cost': {
        // The cost run's own calls into a counted account: read its counters, let its background work
        // finish, run its alarm, measure what the retention pass would write. None is counted.
        const account = env.COUNTED_ACCOUNT.get(env.COUNTED_ACCOUNT.idFromName(String(command.name)));
        if (command.action === 'clock') return Response.json(await account.costClock(Number(command.ms)));
        if (command.action === 'settle') return Response.json(await account.costSettle());
        if (command.action === 'alarm') return Response.json(await account.costAlarm());
        if (command.action === 'purge') return Response.json(await account.costPurge());
        return new Response(`unknown cost action ${String(command.action)}`, { status: 400 });
      }
      case 'openAccounts':
        // Open `count` new service accounts at once, for the memory each live object costs.
        await inFlight(Number(command.count), (i) =>
          env.USER_ACCOUNT.get(env.USER_ACCOUNT.idFromName(`${command.name}-${i}`)).balance({ openIfNew: true }),
        );
        return Response.json(command.count);
      case 'rpc': {
        // `count` calls, one after another, each its own event in the object (so each deduction
        // commits on its own, as over HTTP): the RPC round trip, and the RPC plus one committed deduction.
        const stub = bench();
        const usage = usageTemplate();
        for (let i = 0; i < Number(command.count); i++) {
          if (command.what === 'noop') await stub.noop();
          else if (
            !(await stub.recordUsage({ ...usage, idempotencyKey: idempotencyKeys.usage(crypto.randomUUID()) })).ok
          )
            throw new Error('bench: rpc deduction refused');
        }
        return Response.json(command.count);
      }
      default:
        return new Response(`unknown op ${command.op}`, { status: 400 });
    }
  },
} satisfies ExportedHandler<BenchEnv>;
