// The service against its peer (a row-locked PostgreSQL ledger, bench/peers/), on the same
// scenarios, the same machine and the same load generator. Each scenario runs in rounds; in each
// round both sides get the same fixed number of requests, one after the other, the order
// alternating from round to round; the figures compared are each side's medians over the rounds.
// Server CPU is each side's processes and their children (workerd; node + every postgres process).
import { randomUUID } from 'node:crypto';
import { load } from './load.mjs';
import { sideCpuMonitor } from './machine.mjs';

export const USAGE = { agent: 'code', model: 'sonnet', input_tokens: 1200, output_tokens: 1300 };
const USAGE_BODY = JSON.stringify(USAGE);
export const USAGE_PATH = (user) => `/api/v1/service/users/${user}/usage`;
export const BATCH_PATH = '/api/v1/service/usage/batch';
/** A floor route of bench/worker.ts: `noop` (the object floor) or `write` (the write floor). */
export const FLOOR_PATH = (user, floor) => `/bench/v1/service/users/${user}/${floor}`;
export const HOT_USER = 'bench-hot';
const spreadUser = (n) => `bench-spread-${n}`;
/** A platform day's run per user: this many agents, each reserve → commit, then the balance. */
export const PLATFORM_DAY_AGENTS = 7;
export const PLATFORM_DAY_STEPS = PLATFORM_DAY_AGENTS * 2 + 1;
const RESERVE_BODY = JSON.stringify({ agent: 'code', model: 'sonnet', estimated_tokens: 3000 });
const COMMIT_BODY = JSON.stringify({ input_tokens: 1200, output_tokens: 1300 });

/**
 * `sides`: `{ service: { url, floorUrl, rootPids }, peer?: { url, rootPids } }`; `serviceToken` is the
 * Bearer token both accept; `settle()` waits until the runtime has evicted idle objects.
 * `platformDay`: `{ userOf(n), flushed(sinceMs), peerRowsWritten() }`: the day's users (accounts that
 * exist, their objects cold), a wait until the service has flushed what they wrote since then, and
 * the peer's rows written so far. Returns `{ scenarios, notes }`.
 */
export async function compare({ sides, serviceToken, config, log, settle, platformDay }) {
  if (!sides.service.floorUrl) throw new Error('compare: sides.service.floorUrl (the floor routes) is required');
  const names = Object.keys(sides);
  const pidsOf = Object.fromEntries(names.map((n) => [n, sides[n].rootPids]));
  const headers = { Authorization: `Bearer ${serviceToken}`, 'Content-Type': 'application/json' };
  const keyed = (pathOf) => {
    let n = 0;
    return (request) => ({
      ...request,
      path: pathOf(n++),
      headers: { ...request.headers, 'Idempotency-Key': randomUUID() },
    });
  };
  const single = (pathOf, extra = {}) => ({
    method: 'POST',
    path: pathOf(0),
    headers,
    body: USAGE_BODY,
    setupRequest: keyed(pathOf),
    ...extra,
  });
  const { users, batch } = config;
  const recordsPerBatch = batch.users * batch.recordsPerUser;
  const batchSpec = () => {
    let b = 0;
    return {
      method: 'POST',
      path: BATCH_PATH,
      headers,
      setupRequest: (request) => ({ ...request, body: batchBody(b++, users, batch) }),
      records: recordsPerBatch,
    };
  };
  const hotBatchSpec = () => ({
    method: 'POST',
    path: BATCH_PATH,
    headers,
    setupRequest: (request) => ({ ...request, body: hotBatchBody(recordsPerBatch) }),
    records: recordsPerBatch,
  });
  const dayUsers = config.platformDay.users;
  const platformDaySpec = () => {
    let next = 0;
    const keyedTo = (request, path) => ({
      ...request,
      path,
      headers: { ...request.headers, 'Idempotency-Key': randomUUID() },
    });
    const sequence = [];
    for (let k = 0; k < PLATFORM_DAY_AGENTS; k++) {
      sequence.push({
        method: 'POST',
        path: '/',
        headers,
        body: RESERVE_BODY,
        setupRequest: (request, context) => {
          if (k === 0) context.user = platformDay.userOf(next++ % dayUsers);
          return keyedTo(request, `/api/v1/service/users/${context.user}/reservations`);
        },
        onResponse: (status, body, context) => {
          // An answer without a reservation makes its commit a 400, counted with the non-2xx answers.
          context.reservationId = (status < 300 && JSON.parse(body).reservation?.id) || 0;
          if (!context.reservationId && status < 300) platformDay.oddAnswers.push(body.slice(0, 300));
        },
      });
      sequence.push({
        method: 'POST',
        path: '/',
        headers,
        body: COMMIT_BODY,
        setupRequest: (request, context) =>
          keyedTo(request, `/api/v1/service/users/${context.user}/reservations/${context.reservationId}/commit`),
      });
    }
    sequence.push({
      method: 'GET',
      path: '/',
      headers: { Authorization: headers.Authorization },
      setupRequest: (request, context) => ({ ...request, path: `/api/v1/service/users/${context.user}/balance` }),
    });
    return { sequence };
  };
  const hotPath = () => USAGE_PATH(HOT_USER);
  const spreadPath = (n) => USAGE_PATH(spreadUser(n % users));
  const floorSpec = () => ({ ...single(() => FLOOR_PATH(HOT_USER, 'noop')), url: sides.service.floorUrl });
  const writeFloorSpec = () => ({
    ...single((n) => FLOOR_PATH(spreadUser(n % users), 'write')),
    url: sides.service.floorUrl,
  });
  // `also`: extra runs inside the same rounds, on one side's server (the object floor rides with the
  // hot user; the write floor is a scenario of its own).
  const scenarios = [
    {
      // The service's runtime alone, no peer, first: no account has analytics facts waiting for a
      // flush yet (bench/run.mjs waits for the memory probe's). Its warm-up creates every bare object
      // once (as the new-users scenario creates the accounts), and they are evicted before the next
      // scenario, so they never share the process's memory with the accounts.
      id: 'write-floor',
      label: `write floor over ${users.toLocaleString('en')} objects`,
      also: { writeFloor: { side: 'service', spec: writeFloorSpec, warmupAmount: users } },
      settleAfter: true,
    },
    {
      // The headline: many users, each with a few calls, each object cold at the start. Every user
      // runs a seven-agent project through the platform's routes (reserve → commit per agent) and
      // reads the balance. The service's CPU counts the flushes its runs cause (each object wakes
      // once more for its alarm), so each of its rounds waits for them; each round starts with the
      // objects evicted again.
      id: 'platform-day',
      label: `platform day: ${dayUsers.toLocaleString('en')} users × (${PLATFORM_DAY_AGENTS} × reserve → commit, balance)`,
      warmup: false,
      amount: dayUsers * PLATFORM_DAY_STEPS,
      spec: platformDaySpec,
      before: { service: settle },
      tail: { service: (since) => platformDay.flushed(since) },
      rowsWritten: { peer: platformDay.peerRowsWritten },
    },
    {
      id: 'hot',
      label: 'POST usage, one hot user',
      spec: () => single(hotPath),
      also: { floor: { side: 'service', spec: floorSpec } },
    },
    {
      id: 'replay',
      label: 'POST usage replayed (one key: no write)',
      spec: () => ({
        method: 'POST',
        path: hotPath(),
        headers: { ...headers, 'Idempotency-Key': randomUUID() },
        body: USAGE_BODY,
      }),
    },
    {
      id: 'new-users',
      label: `POST usage, first call of ${users.toLocaleString('en')} new users`,
      rounds: 1,
      warmup: false,
      amount: users,
      spec: () => single(spreadPath),
    },
    {
      id: 'spread',
      label: `POST usage, spread over ${users.toLocaleString('en')} users`,
      spec: () => single(spreadPath),
    },
    {
      id: 'batch',
      label: `POST usage/batch, ${recordsPerBatch} records (${batch.users} users × ${batch.recordsPerUser})`,
      amount: config.batchesPerRound,
      warmupAmount: config.batchWarmups,
      probe: (url) => probeBatch(url, headers, users, batch),
      spec: batchSpec,
    },
    {
      id: 'batch-hot',
      label: `POST usage/batch, ${recordsPerBatch} records of one hot user`,
      amount: config.batchesPerRound,
      warmupAmount: config.batchWarmups,
      probe: (url) => probeBatch(url, headers, users, batch),
      spec: hotBatchSpec,
    },
  ];

  const notes = [];
  const results = [];
  for (const scenario of scenarios) {
    const runners = [];
    for (const side of scenario.spec ? names : []) {
      const skip = scenario.probe ? await scenario.probe(sides[side].url) : undefined;
      if (skip) {
        notes.push(`${scenario.label}: ${side} skipped — ${skip}`);
        log(`${scenario.label}: ${side} skipped — ${skip}`);
      } else runners.push({ name: side, side, spec: scenario.spec });
    }
    for (const [name, extra] of Object.entries(scenario.also ?? {}))
      if (sides[extra.side]) runners.push({ name, ...extra });
    const entry = { id: scenario.id, label: scenario.label, runs: [], sides: {} };
    results.push(entry);
    if (runners.length === 0) continue;
    const rowsBefore = {};
    for (const [side, read] of Object.entries(scenario.rowsWritten ?? {}))
      if (sides[side]) rowsBefore[side] = await read();
    const amount = scenario.amount ?? config.requestsPerRound;
    if (scenario.warmup !== false) {
      log(`${scenario.label}: warm-up …`);
      for (const { side, spec, warmupAmount } of runners)
        await load({
          url: sides[side].url,
          ...spec(),
          amount: warmupAmount ?? scenario.warmupAmount ?? config.warmupRequests,
        });
    }
    const rounds = scenario.rounds ?? config.rounds;
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? runners : [...runners].reverse();
      for (const { name, side, spec: specOf } of order) {
        log(`${scenario.label}: round ${round + 1}/${rounds}, ${name} …`);
        const spec = specOf();
        await scenario.before?.[side]?.();
        const startedAt = Date.now();
        const cpu = sideCpuMonitor(pidsOf);
        const figures = await load({ url: sides[side].url, ...spec, amount });
        const atLastAnswer = cpu.stop();
        // Work the run left behind (the service's flushes), counted as the run's.
        const tail = scenario.tail?.[side];
        if (tail) await tail(startedAt);
        const used = cpu.stop();
        const records = figures.requests * (spec.records ?? 1);
        const serverCpu = used.serverCpuSeconds[side];
        const others = Object.entries(used.serverCpuSeconds).filter(([n]) => n !== side);
        entry.runs.push({
          round: round + 1,
          side: name,
          ...figures,
          records,
          serverCpuSeconds: round3(serverCpu),
          cpuUsPerRequest: Math.round((serverCpu * 1e6) / figures.requests),
          cpuUsPerRecord: Math.round((serverCpu * 1e6) / records),
          ...(tail && {
            answersOnlyCpuUsPerRequest: Math.round((atLastAnswer.serverCpuSeconds[side] * 1e6) / figures.requests),
            tailSeconds: round3(used.seconds - atLastAnswer.seconds),
          }),
          idleSideCores: round3(others.reduce((t, [, s]) => t + s, 0) / used.seconds),
          loadGeneratorCores: used.loadGeneratorCores,
          otherCores: used.otherCores,
        });
        if (figures.non2xx || figures.errors)
          log(
            `  ${figures.non2xx} non-2xx, ${figures.errors} connection errors ${JSON.stringify(figures.statusCodes)} ${JSON.stringify(figures.errorKinds)}; bodies: ${JSON.stringify(figures.nonOkBodies)}`,
          );
      }
    }
    for (const { name } of runners) entry.sides[name] = summarise(entry.runs.filter((r) => r.side === name));
    for (const [side, before] of Object.entries(rowsBefore)) {
      const runs = entry.runs.filter((r) => r.side === side);
      const users = runs.reduce((n, r) => n + r.requests, 0) / PLATFORM_DAY_STEPS;
      entry.sides[side].rowsWrittenPerRun =
        Math.round((((await scenario.rowsWritten[side]()) - before) / users) * 10) / 10;
    }
    if (scenario.settleAfter && settle) {
      log(`${scenario.label}: waiting for its objects to be evicted …`);
      await settle();
    }
  }
  return { scenarios: results, notes };
}

/** Medians over a side's rounds; errors summed. */
function summarise(runs) {
  const med = (f) => median(runs.map(f));
  return {
    rounds: runs.length,
    requestsPerSecond: Math.round(med((r) => r.requestsPerSecond)),
    recordsPerSecond: Math.round(med((r) => r.records / r.seconds)),
    p50Ms: med((r) => r.latencyMs.p50),
    p99Ms: med((r) => r.latencyMs.p99),
    cpuUsPerRequest: Math.round(med((r) => r.cpuUsPerRequest)),
    cpuUsPerRecord: Math.round(med((r) => r.cpuUsPerRecord)),
    ...(runs[0]?.answersOnlyCpuUsPerRequest !== undefined && {
      answersOnlyCpuUsPerRequest: Math.round(med((r) => r.answersOnlyCpuUsPerRequest)),
      tailSeconds: round3(med((r) => r.tailSeconds)),
    }),
    serverCores: round3(med((r) => r.serverCpuSeconds / r.seconds)),
    idleSideCores: round3(med((r) => r.idleSideCores)),
    otherCores: round3(med((r) => r.otherCores)),
    non2xx: runs.reduce((t, r) => t + r.non2xx, 0),
    errors: runs.reduce((t, r) => t + r.errors, 0),
    nonOkBodies: runs.reduce((all, r) => {
      for (const [status, bodies] of Object.entries(r.nonOkBodies ?? {}))
        all[status] = [...(all[status] ?? []), ...bodies].slice(0, 3);
      return all;
    }, {}),
  };
}

/** Batch `b`: `batch.users` consecutive spread users, `batch.recordsPerUser` records each, fresh keys. */
function batchBody(b, users, batch) {
  const records = [];
  for (let u = 0; u < batch.users; u++) {
    const user = spreadUser((b * batch.users + u) % users);
    for (let i = 0; i < batch.recordsPerUser; i++)
      records.push({ user_id: user, idempotency_key: randomUUID(), ...USAGE });
  }
  return JSON.stringify({ records });
}

/** `count` records of the hot user, fresh keys. */
function hotBatchBody(count) {
  return JSON.stringify({
    records: Array.from({ length: count }, () => ({ user_id: HOT_USER, idempotency_key: randomUUID(), ...USAGE })),
  });
}

/** One batch sent ahead: undefined when the side answers it in full, else why the scenario skips it. */
async function probeBatch(url, headers, users, batch) {
  const response = await fetch(`${url}${BATCH_PATH}`, {
    method: 'POST',
    headers,
    body: batchBody(0, users, batch),
  });
  const text = await response.text();
  if (response.status === 404) return 'it has no batch route yet (404)';
  if (!response.ok) throw new Error(`batch probe at ${url}: ${response.status} ${text.slice(0, 500)}`);
  const results = JSON.parse(text).results;
  const expected = batch.users * batch.recordsPerUser;
  if (!Array.isArray(results) || results.length !== expected)
    throw new Error(`batch probe at ${url}: expected ${expected} results, got ${text.slice(0, 300)}`);
  const refused = results.filter(
    (r) => r.error || r.ok === false || r.status === 'refused' || r.status === 'error' || r.status >= 400,
  );
  if (refused.length)
    throw new Error(`batch probe at ${url}: ${refused.length} records refused: ${JSON.stringify(refused[0])}`);
  return undefined;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}
