// `npm run bench`: the service (Miniflare on 127.0.0.1) against its peer, a row-locked PostgreSQL
// ledger (bench/peers/), on the same scenarios with the same load generator (autocannon), in
// alternating rounds, with the runtime's own floors (a no-op call into an object, one committed row
// per object); then the service's own figures: inside-object timings, storage per row, memory per
// object, a new object's first call and reads on a long log. Prints the tables, checks the targets
// and writes bench/results/<name>.json.
// Options: --name <file stem> (default "last"), --quick (short runs, small data, for trying
// changes), --users <n> (the spread's and the write floor's users; see SPREAD_USERS_LOCAL_MAX), --rounds <n>,
// --strict (exit 1 when a target is missed), --no-peer (the service alone).
// Everything it starts is stopped before it exits, also on Ctrl-C; it never leaves 127.0.0.1.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { compare, HOT_USER, USAGE } from './compare.mjs';
import { CONNECTIONS, load } from './load.mjs';
import { cpuMonitor, machineInfo } from './machine.mjs';
import { POSTGRES_INSTALL_HINT, postgresBinDir, startPeer } from './peers/peer.mjs';
import { evaluate, printReport, ratio } from './report.mjs';
import { startService } from './service.mjs';

/**
 * One workerd process refuses new SQLite work (SQLITE_NOMEM: SQLite's process-wide memory cap)
 * once ~1,700 accounts are live at once, and it evicts an object only ~10 s after its last
 * request. So the spread scenario uses at most this many users locally.
 */
const SPREAD_USERS_LOCAL_MAX = 1_000;

const { values: options } = parseArgs({
  options: {
    name: { type: 'string' },
    quick: { type: 'boolean', default: false },
    users: { type: 'string' },
    rounds: { type: 'string' },
    strict: { type: 'boolean', default: false },
    'no-peer': { type: 'boolean', default: false },
  },
});
const quick = options.quick;
const config = {
  connections: CONNECTIONS,
  compare: {
    rounds: Number(options.rounds ?? (quick ? 1 : 3)),
    /** Requests each side answers per round of a single-deduction scenario (a fixed count, not a duration). */
    requestsPerRound: quick ? 600 : 2_000,
    warmupRequests: quick ? 200 : 500,
    users: Number(options.users ?? SPREAD_USERS_LOCAL_MAX),
    batch: { users: 10, recordsPerUser: 10 },
    batchesPerRound: quick ? 40 : 200,
    batchWarmups: quick ? 32 : 64,
    /** The platform day's users: the accounts the memory probe opened (cold by then). */
    platformDay: { users: quick ? 200 : 1_000 },
  },
  /** Seconds of each service-only context run (GET /me, reads on a short and a long log). */
  contextSeconds: quick ? 2 : 5,
  /** New objects opened at once, well inside the eviction delay, to price one live object (and the platform day's users). */
  memoryProbeObjects: quick ? 200 : 1_000,
  /** New objects per step of the first-call breakdown (created, + schema, + account opened, by a deduction). */
  coldObjects: quick ? 200 : 500,
  logRows: quick ? 10_000 : 100_000,
  /** Rows of the short log the history-length comparisons start from: more than one page (20). */
  shortLogRows: 1_000,
  liveGrants: 10,
  /** Deductions per timed in-object call; one call's time, less an empty call's, over this. */
  inObjectBatch: 1_000,
  inObjectBatchesAtLongLog: quick ? 5 : 20,
  readsPerCall: 200,
  rpcCallsPerSample: 500,
};
const machine = machineInfo();

// The bench's private D1 gives the free plan (every new user's) a huge allowance and lifts its
// daily request cap, so no scenario runs out of tokens or into a plan limit: the bench measures
// the path, not the policy. The peer opens every account with the same allowance.
const BENCH_SQL = [
  "UPDATE plans SET tokens_per_month = 1000000000, max_requests_per_day = 1000000000 WHERE id = 'free'",
];
const GRANT_TOKENS = 1_000_000_000;
const EVICTION_WAIT_MS_MAX = 30_000;
/** The platform day's users: the accounts the memory probe opens. */
const PLATFORM_DAY_USER = (n) => `bench-memory-${n}`;
/** PostgreSQL's backends report their statistics within 10 s of going idle (PGSTAT_IDLE_INTERVAL). */
const PEER_STATS_WAIT_MS = 11_000;
/** The outbox flushes 30 s after a fact is written (OUTBOX_FLUSH_DELAY_MS); a flush wait gives up after this. */
const FLUSH_WAIT_MS_MAX = 90_000;

const service = await startService({ extraSql: BENCH_SQL });
let peer;
let stopping;
const stop = () =>
  (stopping ??= Promise.allSettled([service.stop(), peer?.stop()]).then((outcomes) => {
    for (const o of outcomes) if (o.status === 'rejected') console.error(o.reason);
  }));
// On Ctrl-C, Miniflare's own signal hook ends workerd and exits at once, before any asynchronous
// cleanup could finish; so the last cleanup is synchronous, on `exit`, whoever calls it.
process.once('exit', () => {
  peer?.stopNow();
  service.removeFilesNow();
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

let missed = 0;
try {
  const peerNote = await startPeerIfInstalled();
  const results = await runAll(peerNote);
  const checks = evaluate(results);
  missed = checks.filter((c) => c.ok === false).length;
  printReport(results);
  const name = options.name ?? (quick ? 'quick' : 'last');
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nraw figures: bench/results/${name}.json`);
} finally {
  await stop();
}
if (options.strict && missed) {
  console.error(`--strict: ${missed} target(s) missed`);
  process.exitCode = 1;
}

/** Start the peer; without PostgreSQL, say how to install it and run the service's side alone. */
async function startPeerIfInstalled() {
  if (options['no-peer']) return 'the peer was not run (--no-peer)';
  if (!postgresBinDir()) {
    console.error(`\n${POSTGRES_INSTALL_HINT}\nThe comparison runs the service alone.\n`);
    return 'PostgreSQL is not installed: the peer was not run';
  }
  peer = await startPeer({ serviceToken: service.secrets.SERVICE_TOKEN, startTokens: GRANT_TOKENS });
  // The platform day's users have accounts on both sides before the day starts (the service's are
  // opened by the memory probe): a balance read opens each on the peer.
  await inParallel(config.compare.platformDay.users, async (n) => {
    const response = await fetch(`${peer.url}/api/v1/service/users/${PLATFORM_DAY_USER(n)}/balance`, {
      headers: { Authorization: `Bearer ${service.secrets.SERVICE_TOKEN}` },
    });
    if (!response.ok) throw new Error(`peer: opening ${PLATFORM_DAY_USER(n)}: ${response.status}`);
    await response.arrayBuffer();
  });
  return undefined;
}

async function runAll(peerNote) {
  const { url, secrets } = service;
  const userJwt = (sub) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(secrets.JWT_SECRET));
  const asAdmin = { Authorization: `Bearer ${secrets.ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
  const grant = async (user) => {
    const response = await fetch(`${url}/api/v1/admin/users/${user}/grants`, {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ tokens: GRANT_TOKENS, reason: 'bench' }),
    });
    if (response.status !== 201) throw new Error(`grant for ${user}: ${response.status} ${await response.text()}`);
  };
  /** A service-only run of `config.contextSeconds` (after a warm-up of a quarter of that), for context. */
  const context = [];
  const measure = async (id, label, spec) => {
    log(`${label} …`);
    await load({ url, ...spec, duration: Math.max(1, config.contextSeconds / 4) });
    const cpu = cpuMonitor(service.pids);
    const figures = await load({ url, duration: config.contextSeconds, ...spec });
    const used = cpu.stop();
    const entry = {
      id,
      label,
      ...figures,
      cpu: used,
      runtimeCpuUsPerRequest: Math.round((used.runtimeCpuSeconds * 1e6) / figures.requests),
    };
    if (figures.non2xx || figures.errors)
      log(`  ${figures.non2xx} non-2xx, ${figures.errors} connection errors ${JSON.stringify(figures.statusCodes)}`);
    context.push(entry);
    return entry;
  };

  // Memory first, while nothing else is resident: RSS before and after opening many objects at once.
  const memory = { idleBytes: service.rssBytes(), probeObjects: config.memoryProbeObjects };
  const idleFiles = service.openFiles();
  log(`opening ${config.memoryProbeObjects} accounts at once for the memory figure …`);
  await service.bench({ op: 'openAccounts', name: 'bench-memory', count: config.memoryProbeObjects });
  memory.afterProbeBytes = service.rssBytes();
  memory.bytesPerObject = Math.round((memory.afterProbeBytes - memory.idleBytes) / config.memoryProbeObjects);
  memory.evictedAfterSeconds = await waitForEviction(idleFiles);
  // The hot user gets the same allowance on both sides (the peer opens every account with it).
  await grant(HOT_USER);
  // Every account just opened wakes again when its first analytics facts are flushed to D1 (the
  // outbox's delay after they were written): wait for that here, not inside a measured scenario.
  log('waiting for the new accounts to flush their first analytics facts to D1 …');
  await waitForFlushes('bench-memory-', config.memoryProbeObjects);
  await waitForFlushes(HOT_USER, 1);
  await waitForEviction(idleFiles);

  // The comparison.
  const platformDayOddAnswers = [];
  const sides = { service: { url, floorUrl: service.floorUrl, rootPids: service.pids } };
  if (peer) sides.peer = { url: peer.url, rootPids: peer.rootPids };
  const comparison = await compare({
    sides,
    serviceToken: secrets.SERVICE_TOKEN,
    config: config.compare,
    log,
    settle: () => waitForEviction(idleFiles),
    platformDay: {
      userOf: PLATFORM_DAY_USER,
      /** 2xx answers to a reservation that carried none (kept for the results; their commits count as non-2xx). */
      oddAnswers: platformDayOddAnswers,
      flushed: (sinceMs) =>
        waitUntil(
          'the platform day flushed',
          async () => (await service.flushedUsersSince('bench-memory-', sinceMs)) >= config.compare.platformDay.users,
          FLUSH_WAIT_MS_MAX,
          500,
        ),
      peerRowsWritten: async () => {
        await new Promise((resolve) => setTimeout(resolve, PEER_STATS_WAIT_MS));
        const response = await fetch(`${peer.url}/bench/rows-written`);
        return (await response.json()).rows_written;
      },
    },
  });
  if (peerNote) comparison.notes.unshift(peerNote);
  if (platformDayOddAnswers.length) {
    comparison.notes.push(`platform day: ${platformDayOddAnswers.length} reservations answered 2xx without one`);
    comparison.platformDayOddAnswers = platformDayOddAnswers.slice(0, 3);
    log(
      `platform day: ${platformDayOddAnswers.length} reservations answered 2xx without one: ${platformDayOddAnswers[0]}`,
    );
  }
  memory.afterSpreadBytes = service.rssBytes();
  await waitForEviction(idleFiles);

  const inObjectCpu = cpuMonitor(service.pids);
  const { inObject, storage, queryPlans } = await inObjectFigures();
  inObject.otherCores = inObjectCpu.stop().otherCores;
  const coldObjects = await coldObjectFigures(idleFiles);

  // Service-only context: the cheapest authenticated route, and reads on a short and a long log.
  const reader = 'bench-reader';
  const readerAuth = { Authorization: `Bearer ${await userJwt(reader)}` };
  await measure('baseline', 'GET /me (JWT, no object)', { path: '/api/v1/me', headers: readerAuth });
  log(
    `filling two service objects with ${config.shortLogRows.toLocaleString('en')} and ${config.logRows.toLocaleString('en')} deductions over RPC …`,
  );
  const fillStarted = performance.now();
  const logs = {
    short: { user: 'bench-short-log', rows: config.shortLogRows },
    long: { user: 'bench-long-log', rows: config.logRows },
  };
  for (const { user, rows } of Object.values(logs)) {
    await grant(user);
    await service.bench({ op: 'fillUser', name: user, count: rows });
  }
  const fillSeconds = Math.round((performance.now() - fillStarted) / 100) / 10;
  for (const [route, path] of [
    ['balance', '/api/v1/tokens/balance'],
    ['transactions', '/api/v1/tokens/transactions'],
    ['analytics', '/api/v1/tokens/analytics'],
  ]) {
    for (const [length, { user, rows }] of Object.entries(logs)) {
      const headers = { Authorization: `Bearer ${await userJwt(user)}` };
      await measure(`${route}-${length}-log`, `GET ${path.slice(7)}, ${rows.toLocaleString('en')}-row log`, {
        path,
        headers,
      });
    }
  }
  memory.endBytes = service.rssBytes();

  return {
    date: new Date().toISOString(),
    machine: { ...machine, loadAverage1mAtEnd: os.loadavg()[0] },
    versions: { postgres: peer?.postgresVersion ?? null, peerPoolMax: peer?.poolMax ?? null },
    config: { ...config, usageBody: USAGE, benchSql: BENCH_SQL, fillSeconds },
    comparison,
    context,
    inObject,
    coldObjects,
    storage,
    memory,
    queryPlans,
  };
}

/**
 * What the first call to a new object costs, taken apart, and what a call to an object the runtime
 * evicted costs: workerd's CPU per object (bench/worker.ts, `coldObjects`). New objects: a bare
 * object's no-op (the runtime alone) and its first write (a one-table schema and one row: the floor
 * of a first call); an account object constructed (its schema), opened by a balance read, opened by
 * a first deduction. Then, once evicted, the bare objects' write again (the floor of a wake) and the
 * accounts' second deduction. Each step starts once the objects of the step before are evicted.
 */
async function coldObjectFigures(idleFiles) {
  const figures = { objects: config.coldObjects };
  const step = async (kind) => {
    // The step before's objects gone first: one workerd refuses SQLite work past ~1,700 live objects.
    await waitForEviction(idleFiles);
    log(`cold objects: ${config.coldObjects} × "${kind}" …`);
    const cpu = cpuMonitor(service.pids);
    const startedAt = Date.now();
    await service.bench({ op: 'coldObjects', kind, name: 'bench-cold', count: config.coldObjects });
    const used = cpu.stop();
    figures[kind] = {
      cpuUsPerObject: Math.round((used.runtimeCpuSeconds * 1e6) / config.coldObjects),
      otherCores: used.otherCores,
    };
    return startedAt;
  };
  for (const kind of ['bare', 'bareWrite', 'schema', 'account', 'usage']) await step(kind);
  // Each opened account wakes once more for its first flush (OUTBOX_FLUSH_DELAY_MS later): a wake
  // is measured once those have come and gone.
  await waitForFlushes('bench-cold-account-', config.coldObjects);
  await waitForFlushes('bench-cold-usage-', config.coldObjects);
  await step('bareWake');
  const wokenAt = await step('usageWake');
  await waitUntil(
    'the woken accounts flushed',
    async () => (await service.flushedUsersSince('bench-cold-usage-', wokenAt)) >= config.coldObjects,
    FLUSH_WAIT_MS_MAX,
    1000,
  );
  figures.firstCallVsBare = ratio(figures.usage.cpuUsPerObject, figures.bareWrite.cpuUsPerObject);
  figures.wakeVsBareWake = ratio(figures.usageWake.cpuUsPerObject, figures.bareWake.cpuUsPerObject);
  return figures;
}

/** Wait until workerd has closed the files of idle objects again; returns the seconds it took. */
function waitForEviction(idleFiles) {
  return waitUntil('idle objects closed', () => service.openFiles() <= idleFiles + 20, EVICTION_WAIT_MS_MAX, 500);
}

/** Wait until `count` users named `prefix…` have flushed to D1. */
function waitForFlushes(prefix, count) {
  return waitUntil(
    `${prefix}… flushed`,
    async () => (await service.flushedUsers(prefix)) >= count,
    FLUSH_WAIT_MS_MAX,
    1000,
  );
}

/** `call(n)` for every n below `count`, CONNECTIONS at a time. */
async function inParallel(count, call) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < count) await call(next++);
    }),
  );
}

/** Poll `done` every `everyMs` for at most `maxMs` (then log and go on); returns the seconds waited. */
async function waitUntil(what, done, maxMs, everyMs) {
  const started = performance.now();
  while (!(await done())) {
    if (performance.now() - started > maxMs) {
      log(`  not yet after ${maxMs / 1000} s: ${what}; going on`);
      break;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return Math.round((performance.now() - started) / 100) / 10;
}

/** The deduction and the reads inside one object, timed from Node around calls of many operations. */
async function inObjectFigures() {
  const call = (command) => service.bench({ name: 'bench-in-object', ...command });
  const timed = async (command) => {
    const started = performance.now();
    await call(command);
    return performance.now() - started;
  };
  log(
    `in-object: ${config.liveGrants} live grants, ${config.logRows.toLocaleString('en')} deductions in calls of ${config.inObjectBatch} …`,
  );
  const liveGrants = await call({ op: 'seedGrants', liveGrants: config.liveGrants, tokensEach: GRANT_TOKENS });
  // The cost of a call that does nothing (Node → Miniflare → Worker → object and back).
  const emptyCalls = [];
  for (let i = 0; i < 30; i++) emptyCalls.push(await timed({ op: 'deduct', count: 0 }));
  const emptyMs = percentile(emptyCalls, 50);
  const perOpUs = (ms, ops) => ((ms - emptyMs) * 1000) / ops;
  const readUs = async (what) => {
    // The unindexed time filter walks the whole log: fewer of those per call.
    const count = config.readsPerCall;
    await call({ op: 'reads', what, count }); // warm
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push(perOpUs(await timed({ op: 'reads', what, count }), count));
    return round1(percentile(samples, 50));
  };

  const before = await call({ op: 'stats' });
  const batches = [];
  const reads = { balance: {}, transactions: {}, transactionsUntil: {}, analytics: {} };
  for (let done = 0; done < config.logRows; done += config.inObjectBatch) {
    batches.push(perOpUs(await timed({ op: 'deduct', count: config.inObjectBatch }), config.inObjectBatch));
    await call({ op: 'drainOutbox' }); // untimed: what the flush to D1 does in service
    if (done === 0) for (const what of Object.keys(reads)) reads[what].shortLogUs = await readUs(what);
  }
  const after = await call({ op: 'stats' });
  const atLongLog = [];
  for (let i = 0; i < config.inObjectBatchesAtLongLog; i++)
    atLongLog.push(perOpUs(await timed({ op: 'deduct', count: config.inObjectBatch }), config.inObjectBatch));
  for (const what of Object.keys(reads)) reads[what].longLogUs = await readUs(what);
  // One call per operation from the bench Worker: the RPC floor, and RPC + deduction + its own commit.
  const rpcUs = async (what) => {
    const samples = [];
    for (let i = 0; i < 5; i++)
      samples.push(
        perOpUs(await timed({ op: 'rpc', what, count: config.rpcCallsPerSample }), config.rpcCallsPerSample),
      );
    return round1(percentile(samples, 50));
  };
  const rpc = { noopUs: await rpcUs('noop'), deductionUs: await rpcUs('deduct') };
  const queryPlans = await call({ op: 'queryPlans' });
  const rowsAdded = after.transactionRows - before.transactionRows;
  return {
    inObject: {
      liveGrants,
      emptyCallMs: round1(emptyMs),
      deductionAtShortLogUs: summary(
        batches.slice(0, Math.max(1, Math.round(config.logRows / 10 / config.inObjectBatch))),
      ),
      deductionAtLongLogUs: summary(atLongLog),
      deductionPerBatchUs: batches.map(round1),
      reads,
      rpc,
    },
    storage: {
      rows: rowsAdded,
      databaseBytesBefore: before.databaseSizeBytes,
      databaseBytesAfter: after.databaseSizeBytes,
      bytesPerRow: Math.round((after.databaseSizeBytes - before.databaseSizeBytes) / rowsAdded),
    },
    queryPlans,
  };
}

function summary(samples) {
  return {
    p50: round1(percentile(samples, 50)),
    p99: round1(percentile(samples, 99)),
    min: round1(Math.min(...samples)),
    batches: samples.length,
  };
}

function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function round1(x) {
  return Math.round(x * 10) / 10;
}

function log(message) {
  process.stderr.write(`· ${message}\n`);
}
