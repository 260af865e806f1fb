// `npm run bench`: start the service in Miniflare on 127.0.0.1, drive it with autocannon, time
// the deduction inside the object, print the tables and write bench/results/<name>.json.
// Options: --name <file stem> (default "last"), --quick (short runs, small data, for trying changes).
// Everything it starts is stopped before it exits; it never leaves 127.0.0.1.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { CONNECTIONS, load } from './load.mjs';
import { cpuMonitor, machineInfo } from './machine.mjs';
import { evaluate, printReport } from './report.mjs';
import { startService } from './service.mjs';

const { values: options } = parseArgs({ options: { name: { type: 'string' }, quick: { type: 'boolean', default: false } } });
const quick = options.quick;
const config = {
  connections: CONNECTIONS,
  /** Seconds of each measured HTTP run (the history-length reads run half as long). */
  durationSeconds: quick ? 3 : 10,
  warmupSeconds: quick ? 1 : 2,
  spreadUsers: quick ? 1_000 : 10_000,
  logRows: quick ? 10_000 : 100_000,
  liveGrants: 10,
  /** Deductions per timed in-object call; one call's time, less an empty call's, over this. */
  inObjectBatch: 1_000,
  inObjectBatchesAtLongLog: quick ? 5 : 20,
  readsPerCall: 200,
};
const machine = machineInfo();

// The bench's private D1 lifts the free plan's daily request cap, so no scenario is throttled by
// a plan limit: the bench measures the path, not the policy.
const BENCH_SQL = ["UPDATE plans SET max_requests_per_day = 1000000000 WHERE id = 'free'"];
const USAGE_BODY = JSON.stringify({ agent: 'code', model: 'sonnet', input_tokens: 1200, output_tokens: 1300 });
const GRANT_TOKENS = 1_000_000_000;

const service = await startService({ extraSql: BENCH_SQL });
let stopping;
const stop = () => (stopping ??= service.stop());
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stop().finally(() => process.exit(130)));

try {
  const results = await runAll();
  evaluate(results);
  printReport(results);
  const name = options.name ?? (quick ? 'quick' : 'last');
  const file = new URL(`./results/${name}.json`, import.meta.url);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nraw figures: bench/results/${name}.json`);
} finally {
  await stop();
}

async function runAll() {
  const { url, secrets } = service;
  const pids = () => [process.pid, ...service.pids];
  const userJwt = (sub) =>
    new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(secrets.JWT_SECRET));
  const service_ = { Authorization: `Bearer ${secrets.SERVICE_TOKEN}`, 'Content-Type': 'application/json' };
  const admin = { Authorization: `Bearer ${secrets.ADMIN_TOKEN}`, 'Content-Type': 'application/json' };
  const grant = async (user) => {
    const response = await fetch(`${url}/api/v1/admin/users/${user}/grants`, { method: 'POST', headers: admin, body: JSON.stringify({ tokens: GRANT_TOKENS, reason: 'bench' }) });
    if (response.status !== 201) throw new Error(`grant for ${user}: ${response.status} ${await response.text()}`);
  };
  /** Each request gets a fresh UUID Idempotency-Key and the path `pathOf(n)` for the n-th request. */
  const keyed = (pathOf) => {
    let n = 0;
    return (request) => ({ ...request, path: pathOf(n++), headers: { ...request.headers, 'Idempotency-Key': randomUUID() } });
  };
  const http = [];
  const measure = async (id, label, spec, extra = {}) => {
    log(`${label} …`);
    if (spec.warmup !== false) await load({ url, ...spec, duration: config.warmupSeconds, amount: undefined });
    const cpu = cpuMonitor(pids);
    const figures = await load({ url, duration: config.durationSeconds, ...spec });
    const entry = { id, label, ...figures, cpu: cpu.stop(), ...extra };
    if (figures.non2xx || figures.errors) throw new Error(`${label}: ${figures.non2xx} non-2xx, ${figures.errors} errors ${JSON.stringify(figures.statusCodes)}`);
    http.push(entry);
    return entry;
  };

  const reader = 'bench-reader';
  const readerJwt = await userJwt(reader);
  const memory = { idleBytes: service.rssBytes() };

  await measure('baseline', 'baseline: GET /me (JWT, no object)', { path: '/api/v1/me', headers: { Authorization: `Bearer ${readerJwt}` } });
  await measure('balance', 'GET /tokens/balance, one user', { path: '/api/v1/tokens/balance', headers: { Authorization: `Bearer ${readerJwt}` } });
  await grant('bench-hot');
  const hotPath = '/api/v1/service/users/bench-hot/usage';
  await measure('usage-hot', 'POST usage, one hot user', { method: 'POST', path: hotPath, headers: service_, body: USAGE_BODY, setupRequest: keyed(() => hotPath) }, { deduction: true });
  memory.afterOneUserBytes = service.rssBytes();

  // Spread: the first pass creates every object (its own row), the measured pass reuses them.
  const spreadPath = (n) => `/api/v1/service/users/bench-spread-${n % config.spreadUsers}/usage`;
  const usageSpread = { method: 'POST', headers: service_, body: USAGE_BODY, path: spreadPath(0) };
  await measure('usage-new-users', `POST usage, first call of ${config.spreadUsers.toLocaleString('en')} new users`, { ...usageSpread, setupRequest: keyed(spreadPath), amount: config.spreadUsers, duration: undefined, warmup: false });
  memory.afterSpreadBytes = service.rssBytes();
  memory.objects = config.spreadUsers;
  memory.bytesPerObject = Math.round((memory.afterSpreadBytes - memory.afterOneUserBytes) / config.spreadUsers);
  await measure('usage-spread', `POST usage, spread over ${config.spreadUsers.toLocaleString('en')} users`, { ...usageSpread, setupRequest: keyed(spreadPath), warmup: false }, { deduction: true });

  const { inObject, storage, queryPlans } = await inObjectFigures();

  // The same reads over HTTP, on a short log and on a service object with config.logRows rows.
  log(`filling one service object with ${config.logRows.toLocaleString('en')} deductions over RPC …`);
  const longUser = 'bench-long';
  await grant(longUser);
  const fillStarted = performance.now();
  await service.bench({ op: 'fillUser', name: longUser, count: config.logRows });
  const fillSeconds = Math.round((performance.now() - fillStarted) / 100) / 10;
  const longJwt = await userJwt(longUser);
  const half = { duration: Math.max(1, config.durationSeconds / 2) };
  const rows = `${config.logRows.toLocaleString('en')}-row log`;
  await measure('balance-long', `GET /tokens/balance, ${rows}`, { path: '/api/v1/tokens/balance', headers: { Authorization: `Bearer ${longJwt}` }, ...half });
  await measure('transactions-short', 'GET /tokens/transactions, short log', { path: '/api/v1/tokens/transactions', headers: { Authorization: `Bearer ${readerJwt}` }, ...half });
  await measure('transactions-long', `GET /tokens/transactions, ${rows}`, { path: '/api/v1/tokens/transactions', headers: { Authorization: `Bearer ${longJwt}` }, ...half });
  await measure('baseline-again', 'baseline again, at the end (drift)', { path: '/api/v1/me', headers: { Authorization: `Bearer ${readerJwt}` } });
  memory.endBytes = service.rssBytes();

  return {
    date: new Date().toISOString(),
    machine: { ...machine, loadAverage1mAtEnd: (await import('node:os')).loadavg()[0] },
    config: { ...config, usageBody: JSON.parse(USAGE_BODY), benchSql: BENCH_SQL, fillSeconds },
    http,
    inObject,
    storage,
    memory,
    queryPlans,
  };
}

/** The deduction and the reads inside one object, timed from Node around calls of many operations. */
async function inObjectFigures() {
  const name = 'bench-in-object';
  const call = (command) => service.bench({ name, ...command });
  const timed = async (command) => {
    const started = performance.now();
    await call(command);
    return performance.now() - started;
  };
  log(`in-object: ${config.liveGrants} live grants, ${config.logRows.toLocaleString('en')} deductions in batches of ${config.inObjectBatch} …`);
  const liveGrants = await call({ op: 'seedGrants', liveGrants: config.liveGrants, tokensEach: GRANT_TOKENS });
  // The cost of a call that does nothing (Node → Miniflare → Worker → object and back).
  const emptyCalls = [];
  for (let i = 0; i < 30; i++) emptyCalls.push(await timed({ op: 'deduct', count: 0 }));
  const emptyMs = percentile(emptyCalls, 50);
  const perOpUs = (ms, ops) => ((ms - emptyMs) * 1000) / ops;
  const readUs = async (what) => {
    await call({ op: 'reads', what, count: config.readsPerCall }); // warm
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push(perOpUs(await timed({ op: 'reads', what, count: config.readsPerCall }), config.readsPerCall));
    return round1(percentile(samples, 50));
  };
  const reads = { balance: { shortLogUs: await readUs('balance') }, transactions: { shortLogUs: await readUs('transactions') } };

  const before = await call({ op: 'stats' });
  const batches = [];
  for (let done = 0; done < config.logRows; done += config.inObjectBatch) {
    batches.push(perOpUs(await timed({ op: 'deduct', count: config.inObjectBatch }), config.inObjectBatch));
  }
  const after = await call({ op: 'stats' });
  const atLongLog = [];
  for (let i = 0; i < config.inObjectBatchesAtLongLog; i++) atLongLog.push(perOpUs(await timed({ op: 'deduct', count: config.inObjectBatch }), config.inObjectBatch));
  reads.balance.longLogUs = await readUs('balance');
  reads.transactions.longLogUs = await readUs('transactions');
  const queryPlans = await call({ op: 'queryPlans' });
  const first = batches.slice(0, Math.max(1, Math.round(10_000 / config.inObjectBatch)));
  const rowsAdded = after.transactionRows - before.transactionRows;
  return {
    inObject: {
      liveGrants,
      emptyCallMs: round1(emptyMs),
      deductionAtShortLogUs: summary(first),
      deductionAtLongLogUs: summary(atLongLog),
      deductionPerBatchUs: batches.map(round1),
      reads,
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
  return { p50: round1(percentile(samples, 50)), p99: round1(percentile(samples, 99)), min: round1(Math.min(...samples)), batches: samples.length };
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
