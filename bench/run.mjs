// `npm run bench`: start the service in Miniflare on 127.0.0.1, drive it with autocannon, time
// the deduction inside the object, print the tables and write bench/results/<name>.json.
// Options: --name <file stem> (default "last"), --quick (short runs, small data, for trying
// changes), --users <n> (the spread scenario's users; see SPREAD_USERS_LOCAL_MAX).
// Everything it starts is stopped before it exits; it never leaves 127.0.0.1.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { CONNECTIONS, load } from './load.mjs';
import { cpuMonitor, machineInfo } from './machine.mjs';
import { evaluate, printReport } from './report.mjs';
import { startService } from './service.mjs';

/**
 * One workerd process refuses new SQLite work (SQLITE_NOMEM: SQLite's process-wide memory cap)
 * once ~1,700 accounts are live at once, and it evicts an object only ~10 s after its last
 * request. So the spread scenario uses at most this many users locally (the issue asks for 10,000).
 */
const SPREAD_USERS_LOCAL_MAX = 1_000;
const SPREAD_USERS_WANTED = 10_000;

const { values: options } = parseArgs({
  options: { name: { type: 'string' }, quick: { type: 'boolean', default: false }, users: { type: 'string' } },
});
const quick = options.quick;
const config = {
  connections: CONNECTIONS,
  /** Seconds of each measured HTTP run (the history-length reads run half as long). */
  durationSeconds: quick ? 3 : 10,
  warmupSeconds: quick ? 1 : 2,
  spreadUsersWanted: SPREAD_USERS_WANTED,
  spreadUsers: Number(options.users ?? Math.min(SPREAD_USERS_WANTED, quick ? 1_000 : SPREAD_USERS_LOCAL_MAX)),
  /** New objects opened at once, well inside the eviction delay, to price one live object. */
  memoryProbeObjects: quick ? 200 : 1_000,
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
// the path, not the policy.
const BENCH_SQL = [
  "UPDATE plans SET tokens_per_month = 1000000000, max_requests_per_day = 1000000000 WHERE id = 'free'",
];
const USAGE_BODY = JSON.stringify({ agent: 'code', model: 'sonnet', input_tokens: 1200, output_tokens: 1300 });
const GRANT_TOKENS = 1_000_000_000;
const EVICTION_WAIT_MS_MAX = 30_000;

const service = await startService({ extraSql: BENCH_SQL });
let stopping;
const stop = () => (stopping ??= service.stop());
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stop().finally(() => process.exit(130)));

try {
  const results = await runAll();
  evaluate(results);
  printReport(results);
  const name = options.name ?? (quick ? 'quick' : 'last');
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nraw figures: bench/results/${name}.json`);
} finally {
  await stop();
}

async function runAll() {
  const { url, secrets } = service;
  const userJwt = (sub) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(secrets.JWT_SECRET));
  const asService = { Authorization: `Bearer ${secrets.SERVICE_TOKEN}`, 'Content-Type': 'application/json' };
  const asAdmin = { Authorization: `Bearer ${secrets.ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
  const grant = async (user) => {
    const response = await fetch(`${url}/api/v1/admin/users/${user}/grants`, {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ tokens: GRANT_TOKENS, reason: 'bench' }),
    });
    if (response.status !== 201) throw new Error(`grant for ${user}: ${response.status} ${await response.text()}`);
  };
  /** Each request gets a fresh UUID Idempotency-Key (as real clients send) and the path `pathOf(n)`. */
  const keyed = (pathOf) => {
    let n = 0;
    return (request) => ({
      ...request,
      path: pathOf(n++),
      headers: { ...request.headers, 'Idempotency-Key': randomUUID() },
    });
  };
  const http = [];
  const measure = async (id, label, spec, extra = {}) => {
    log(`${label} …`);
    if (spec.warmup !== false) await load({ url, ...spec, duration: config.warmupSeconds, amount: undefined });
    const cpu = cpuMonitor(service.pids);
    const figures = await load({ url, duration: config.durationSeconds, ...spec });
    const used = cpu.stop();
    const entry = {
      id,
      label,
      ...figures,
      cpu: used,
      runtimeCpuUsPerRequest: Math.round((used.runtimeCpuSeconds * 1e6) / figures.requests),
      ...extra,
    };
    if (figures.non2xx || figures.errors)
      log(`  ${figures.non2xx} non-2xx, ${figures.errors} connection errors ${JSON.stringify(figures.statusCodes)}`);
    http.push(entry);
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

  const reader = 'bench-reader';
  const readerAuth = { Authorization: `Bearer ${await userJwt(reader)}` };
  await measure('baseline', 'baseline: GET /me (JWT, no object)', { path: '/api/v1/me', headers: readerAuth });
  await measure('balance', 'GET /tokens/balance, one user', { path: '/api/v1/tokens/balance', headers: readerAuth });
  await grant('bench-hot');
  const hotPath = '/api/v1/service/users/bench-hot/usage';
  await measure(
    'usage-hot',
    'POST usage, one hot user',
    { method: 'POST', path: hotPath, headers: asService, body: USAGE_BODY, setupRequest: keyed(() => hotPath) },
    { deduction: true },
  );
  // The same request with one key throughout: every answer is a replay, so the path minus the write and its commit.
  await measure('usage-replay', 'POST usage replayed (same key: no write)', {
    method: 'POST',
    path: hotPath,
    headers: { ...asService, 'Idempotency-Key': randomUUID() },
    body: USAGE_BODY,
  });

  // Spread: the first pass creates every object (reported on its own), the measured pass reuses them.
  const users = config.spreadUsers.toLocaleString('en');
  const spreadPath = (n) => `/api/v1/service/users/bench-spread-${n % config.spreadUsers}/usage`;
  const spread = { method: 'POST', headers: asService, body: USAGE_BODY, path: spreadPath(0), warmup: false };
  await measure('usage-new-users', `POST usage, first call of ${users} new users`, {
    ...spread,
    setupRequest: keyed(spreadPath),
    amount: config.spreadUsers,
  });
  await measure(
    'usage-spread',
    `POST usage, spread over ${users} users`,
    { ...spread, setupRequest: keyed(spreadPath) },
    { deduction: true },
  );
  memory.afterSpreadBytes = service.rssBytes();
  await waitForEviction(idleFiles);

  const { inObject, storage, queryPlans } = await inObjectFigures();

  // The same reads over HTTP, on a short log and on a long one, measured back to back.
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
  const half = { duration: Math.max(1, config.durationSeconds / 2) };
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
        ...half,
      });
    }
  }
  await measure('baseline-again', 'baseline again, at the end (drift)', { path: '/api/v1/me', headers: readerAuth });
  memory.endBytes = service.rssBytes();

  return {
    date: new Date().toISOString(),
    machine: { ...machine, loadAverage1mAtEnd: os.loadavg()[0] },
    config: { ...config, usageBody: JSON.parse(USAGE_BODY), benchSql: BENCH_SQL, fillSeconds },
    http,
    inObject,
    storage,
    memory,
    queryPlans,
  };
}

/** Wait until workerd has closed the files of idle objects again; returns the seconds it took. */
async function waitForEviction(idleFiles) {
  const started = performance.now();
  while (service.openFiles() > idleFiles + 20 && performance.now() - started < EVICTION_WAIT_MS_MAX)
    await new Promise((r) => setTimeout(r, 500));
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
    const count = what === 'transactionsUntil' ? config.readsPerCall / 20 : config.readsPerCall;
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
