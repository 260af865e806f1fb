// What each operation costs on Cloudflare's bill, counted, not timed (bench/cost.mjs prints it;
// bench/run.mjs counts a platform-day run with it). Each operation is sent through the service's HTTP
// routes to one warm account, in sequence, on a virtual clock (bench/countedAccount.ts); every alarm
// runs when the virtual time reaches it, so the analytics flush is counted once it has run and
// divided over the operations it covered; what the retention pass will delete days later is measured
// now, from what the operations left, by the object's own retention code in a transaction rolled
// back. The service must be started with `countedAccounts: true` (bench/service.mjs).
import { execFileSync } from 'node:child_process';
import { SignJWT } from 'jose';
import { ASSUMED, PRICES, pricePerMillion } from './prices.mjs';
import { table } from './report.mjs';
import { PLATFORM_DAY_AGENTS } from './compare.mjs';

/** Virtual time between two operations of a row: an agent's model call takes seconds. */
const SPACING_MS = 10_000;
/** Between the steps of a platform-day run, sent back to back. */
const PLATFORM_SPACING_MS = 100;
/** After the last operation: past OUTBOX_FLUSH_DELAY_MS (30 s), so the flush that covers them has run. */
const FLUSH_WAIT_MS = 60_000;
const DAY_MS = 86_400_000;
/** The aged account: one deduction a day for this many days before its balance is read. */
const AGE_DAYS = 90;
/** Rows the history page's account holds before it is read: more than a page (20). */
const HISTORY_ROWS = 25;
const PROJECT_RUNS = 3;
const USAGE = { agent: 'code', model: 'sonnet', input_tokens: 1200, output_tokens: 1300 };

/** The service being counted and the operations per row, for the run under way. */
let service;
let N = 10;

/**
 * Count the scenarios named `ids` (all by default), `opsPerRow` operations each, on `counted` (a
 * service started with countedAccounts); answers the cost table as JSON.
 */
export async function countCosts(counted, { ids, opsPerRow = 10 } = {}) {
  service = counted;
  N = opsPerRow;
  const rows = [];
  const catalog = {};
  for (const s of SCENARIOS.filter((x) => !ids || ids.includes(x.id))) {
    const measured = await runScenario(s);
    rows.push(...rowsOf(s, measured));
    catalog[s.id] = measured.catalogReads;
  }
  return {
    date: new Date().toISOString(),
    code: gitDescribe(),
    config: {
      opsPerRow: N,
      projectRuns: PROJECT_RUNS,
      spacingMs: SPACING_MS,
      platformSpacingMs: PLATFORM_SPACING_MS,
      flushWaitMs: FLUSH_WAIT_MS,
      ageDays: AGE_DAYS,
      usageBody: USAGE,
      virtualClockStart: '2100-01-04T10:00:00Z',
    },
    prices: PRICES,
    assumed: ASSUMED,
    operations: rows,
    /** Read-only D1 batches (the catalog, cached per isolate for 5 s of real time): timing-dependent, so not in the rows. */
    catalogReadsOutsideTheCounts: catalog,
  };
}

// ── HTTP and the bench's calls ─────────────────────────────────────────────────

async function http(a, method, path, { as = 'service', body, key, expect = [200, 201] } = {}) {
  const headers = { Authorization: `Bearer ${as === 'user' ? a.jwt : service.secrets.SERVICE_TOKEN}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers['Idempotency-Key'] = key;
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!expect.includes(response.status)) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

const cost = (action, name, extra = {}) => service.bench({ op: 'cost', action, name, ...extra });

/**
 * Move the account's virtual clock to `toMs`, running every alarm that falls due on the way at its
 * time (as the runtime would); the counts of those alarms go to `bucket` when one is given.
 */
async function advance(a, toMs, bucket) {
  for (;;) {
    const before = await cost('settle', a.name);
    if (before.alarmAt === null || before.alarmAt > toMs) break;
    if (before.alarmAt > before.clockMs) await cost('clock', a.name, { ms: before.alarmAt });
    const after = await cost('alarm', a.name);
    if (bucket) add(bucket, diff(after.counts, before.counts), 0, after.databaseSizeBytes - before.databaseSizeBytes);
  }
  a.clockMs = (await cost('clock', a.name, { ms: Math.max(toMs, a.clockMs ?? 0) })).clockMs;
}

// ── The operations, as the platform and a student send them ─────────────────────

const deduct = (a, key = crypto.randomUUID()) =>
  http(a, 'POST', `/api/v1/service/users/${a.name}/usage`, { body: USAGE, key }).then(() => 1);
const reserve = async (a) => {
  const answer = await http(a, 'POST', `/api/v1/service/users/${a.name}/reservations`, {
    body: { agent: 'code', model: 'sonnet', estimated_tokens: 3000 },
    key: crypto.randomUUID(),
  });
  a.reservationId = answer.reservation.id;
  return 1;
};
const commit = (a) =>
  http(a, 'POST', `/api/v1/service/users/${a.name}/reservations/${a.reservationId}/commit`, {
    body: { input_tokens: 1200, output_tokens: 1300 },
    key: crypto.randomUUID(),
  }).then(() => 1);
const release = (a) =>
  http(a, 'POST', `/api/v1/service/users/${a.name}/reservations/${a.reservationId}/release`, {
    key: crypto.randomUUID(),
  }).then(() => 1);
const createProject = async (a) => {
  const answer = await http(a, 'POST', '/api/v1/projects', {
    as: 'user',
    body: { title: 'Library management system', mode: 'student' },
    key: crypto.randomUUID(),
  });
  a.projectId = answer.id;
  return 1;
};
const executeProject = async (a) => {
  const answer = await http(a, 'POST', `/api/v1/projects/${a.projectId}/execute`, { as: 'user' });
  const unfinished = answer.project.agents.filter((s) => s.status !== 'finished');
  if (unfinished.length) throw new Error(`project run: ${unfinished.length} steps unfinished`);
  a.projectSteps = answer.project.agents.length;
  return 1;
};
const balance = (a) => http(a, 'GET', `/api/v1/service/users/${a.name}/balance`).then(() => 1);
const history = (a) => http(a, 'GET', '/api/v1/tokens/transactions', { as: 'user' }).then(() => 1);
const analytics = (a) => http(a, 'GET', '/api/v1/tokens/analytics', { as: 'user' }).then(() => 1);
const projectRun = async (a) => (await createProject(a)) + (await executeProject(a));
const nextMonthStart = (ms) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
};
/** One deduction now and then, so the account has its day begun and its analytics flushed. */
const warmDeduction = async (a) => {
  await deduct(a);
  await advance(a, a.clockMs + FLUSH_WAIT_MS);
};

/**
 * Each scenario: an account (or `newAccounts` of them) warmed up by `warm`, then `n` rounds of
 * `steps` (phases, each one operation), SPACING_MS apart. `rows` say which table rows it prints:
 * a phase alone (`phase`), or several phases summed; the flush and the purge belong to the
 * scenario's last phase (a reservation's keys are purged once it is settled; its usage is counted
 * at its commit).
 */
const SCENARIOS = [
  {
    id: 'usage',
    warm: [warmDeduction],
    steps: [['usage', deduct]],
    rows: [{ id: 'usage', label: 'usage deduction', phases: ['usage'] }],
  },
  {
    id: 'replay',
    warm: [
      async (a) => {
        a.key = crypto.randomUUID();
        await deduct(a, a.key);
        await advance(a, a.clockMs + FLUSH_WAIT_MS);
      },
    ],
    steps: [['replay', (a) => deduct(a, a.key)]],
    rows: [{ id: 'replay', label: 'replayed deduction', phases: ['replay'] }],
  },
  {
    id: 'reserve-commit',
    warm: [warmDeduction, reserve, commit, (a) => advance(a, a.clockMs + FLUSH_WAIT_MS)],
    steps: [
      ['reserve', reserve],
      ['commit', commit],
    ],
    rows: [
      { id: 'reservation', label: 'reservation', phases: ['reserve'], requestOnly: true },
      { id: 'commit', label: 'commit', phases: ['commit'] },
      { id: 'reservation+commit', label: 'reservation + commit', phases: ['reserve', 'commit'] },
    ],
  },
  {
    id: 'reserve-release',
    warm: [warmDeduction, reserve, release, (a) => advance(a, a.clockMs + FLUSH_WAIT_MS)],
    steps: [
      ['reserve', reserve],
      ['release', release],
    ],
    rows: [
      { id: 'release', label: 'release', phases: ['release'] },
      { id: 'reservation+release', label: 'reservation + release', phases: ['reserve', 'release'] },
    ],
  },
  {
    id: 'project',
    n: PROJECT_RUNS,
    warm: [warmDeduction, projectRun, (a) => advance(a, a.clockMs + FLUSH_WAIT_MS)],
    steps: [
      ['create', createProject],
      ['execute', executeProject],
    ],
    rows: [
      { id: 'project-run', label: 'seven-agent project run (POST /projects + execute)', phases: ['create', 'execute'] },
    ],
  },
  {
    // A platform day's user (bench/compare.mjs, `platform-day`): an account that exists (opened by a
    // balance read, as the bench's memory probe opens them), a project's agents reserved and committed
    // back to back through the platform's routes, then the balance.
    id: 'platform-run',
    n: PROJECT_RUNS,
    warm: [
      async (a) => {
        await balance(a);
        await advance(a, a.clockMs + FLUSH_WAIT_MS);
      },
    ],
    steps: [
      ...Array.from({ length: PLATFORM_DAY_AGENTS }, () => [
        ['reserve', reserve],
        ['commit', commit],
      ]).flat(),
      ['balance', balance],
    ],
    spacingMs: PLATFORM_SPACING_MS,
    rows: [
      {
        id: 'platform-run',
        label: `platform-day run (${PLATFORM_DAY_AGENTS} × reserve → commit, balance)`,
        phases: ['reserve', 'commit', 'balance'],
      },
    ],
  },
  {
    id: 'balance',
    warm: [warmDeduction, balance],
    steps: [['balance', balance]],
    rows: [{ id: 'balance', label: 'balance read', phases: ['balance'] }],
  },
  {
    id: 'balance-aged',
    warm: [
      async (a) => {
        for (let day = 0; day < AGE_DAYS; day++) {
          await advance(a, a.clockMs + DAY_MS);
          await deduct(a);
        }
        await advance(a, a.clockMs + FLUSH_WAIT_MS);
        await balance(a);
      },
    ],
    steps: [['balance', balance]],
    rows: [
      {
        id: 'balance-aged',
        label: `balance read, account ${AGE_DAYS} days old (one deduction a day)`,
        phases: ['balance'],
      },
    ],
  },
  {
    id: 'history',
    warm: [
      async (a) => {
        for (let i = 0; i < HISTORY_ROWS; i++) await deduct(a);
        await advance(a, a.clockMs + FLUSH_WAIT_MS);
        await history(a);
      },
    ],
    steps: [['history', history]],
    rows: [{ id: 'history', label: 'history page (20 rows)', phases: ['history'] }],
  },
  {
    id: 'analytics',
    warm: [
      async (a) => {
        for (let i = 0; i < HISTORY_ROWS; i++) await deduct(a);
        await advance(a, a.clockMs + FLUSH_WAIT_MS);
        await analytics(a);
      },
    ],
    steps: [['analytics', analytics]],
    rows: [{ id: 'analytics', label: 'analytics', phases: ['analytics'] }],
  },
  {
    // Opened late in the month, so the reset's alarm runs inside the usage keys' replay window
    // (its daily retention pass then has nothing of the warm-up's to delete).
    id: 'reset',
    n: 1,
    startAt: Date.UTC(2100, 0, 29, 10),
    warm: [warmDeduction],
    steps: [['reset', (a) => advance(a, nextMonthStart(a.clockMs) + 1_000).then(() => 0)]],
    spacingMs: 0,
    rows: [{ id: 'reset', label: 'monthly reset (its alarm)', phases: ['reset'] }],
  },
  {
    id: 'first-call',
    newAccounts: true,
    steps: [['first', deduct]],
    rows: [{ id: 'first-call', label: "a new account's first call (a deduction)", phases: ['first'] }],
  },
];

// ── Counting ────────────────────────────────────────────────────────────────────

const FIELDS = [
  'statements',
  'firstSeenStatements',
  'rowsWritten',
  'rowsRead',
  'setAlarms',
  'rpcCalls',
  'alarms',
  'constructed',
  'd1WriteBatches',
  'd1RowsWritten',
  'd1RowsRead',
  'd1ReadBatches',
  'd1ReadRowsRead',
  'workerRequests',
  'storageBytes',
];
const zero = () => Object.fromEntries(FIELDS.map((f) => [f, 0]));
const diff = (after, before) => Object.fromEntries(FIELDS.map((f) => [f, (after[f] ?? 0) - (before[f] ?? 0)]));
function add(into, counts, workerRequests = 0, storageBytes = 0) {
  for (const f of FIELDS) into[f] += counts[f] ?? 0;
  into.workerRequests += workerRequests;
  into.storageBytes += storageBytes;
}
const per = (counts, n) => Object.fromEntries(FIELDS.map((f) => [f, round2(counts[f] / n)]));
const sum = (...parts) => {
  const total = zero();
  for (const p of parts) add(total, p);
  return total;
};

async function runScenario(s) {
  const n = s.newAccounts ? N : (s.n ?? N);
  const names = s.newAccounts ? Array.from({ length: n }, (_, i) => `cost-${s.id}-${i}`) : [`cost-${s.id}`];
  const phases = Object.fromEntries(s.steps.map(([phase]) => [phase, zero()]));
  const flush = zero();
  const purge = { statements: 0, rowsWritten: 0, rowsRead: 0 };
  let catalogReads = 0;
  for (const name of names) {
    log(`${s.id}: ${name} …`);
    const a = { name, jwt: await userJwt(name) };
    let baseline = { counts: zero(), databaseSizeBytes: 0 };
    let purgeBefore = { statements: 0, rowsWritten: 0, rowsRead: 0 };
    if (!s.newAccounts) {
      // Creating the object here (its schema) is part of the warm-up, not of what is measured.
      a.clockMs = (await cost('clock', name, { ms: s.startAt ?? (await cost('settle', name)).clockMs })).clockMs;
      for (const step of s.warm ?? []) await step(a);
      purgeBefore = await cost('purge', name);
      baseline = await cost('settle', name);
    }
    const rounds = s.newAccounts ? 1 : n;
    for (let round = 0; round < rounds; round++) {
      for (const [phase, step] of s.steps) {
        const first = s.newAccounts && round === 0;
        if (!first) await advance(a, a.clockMs + (s.spacingMs ?? SPACING_MS), flush);
        const before = first ? baseline : await cost('settle', name);
        const workerRequests = await step(a);
        const after = await cost('settle', name);
        a.clockMs = after.clockMs;
        add(
          phases[phase],
          diff(after.counts, before.counts),
          workerRequests,
          after.databaseSizeBytes - before.databaseSizeBytes,
        );
      }
    }
    await advance(a, a.clockMs + FLUSH_WAIT_MS, flush);
    const purgeAfter = await cost('purge', name);
    for (const f of Object.keys(purge)) purge[f] += purgeAfter[f] - purgeBefore[f];
    const end = await cost('settle', name);
    catalogReads += end.counts.d1ReadBatches - baseline.counts.d1ReadBatches;
    if (end.counts.constructed - baseline.counts.constructed > (s.newAccounts ? 1 : 0))
      log(`  note: ${name} was evicted and constructed again while measured (not one warm object)`);
  }
  return { id: s.id, n, phases, flush, purge, catalogReads };
}

function rowsOf(s, measured) {
  const { n } = measured;
  const lastPhase = s.steps.at(-1)[0];
  return s.rows.map((row) => {
    const request = sum(...row.phases.map((p) => measured.phases[p]));
    const withTail = !row.requestOnly && row.phases.includes(lastPhase);
    const flush = withTail ? measured.flush : zero();
    const purge = withTail ? measured.purge : { statements: 0, rowsWritten: 0, rowsRead: 0 };
    const allIn = sum(request, flush);
    allIn.statements += purge.statements;
    allIn.rowsWritten += purge.rowsWritten;
    allIn.rowsRead += purge.rowsRead;
    const perOp = per(allIn, n);
    return {
      id: row.id,
      label: row.label,
      n,
      request: per(request, n),
      flush: per(flush, n),
      purge: Object.fromEntries(Object.entries(purge).map(([k, v]) => [k, round2(v / n)])),
      allIn: perOp,
      /** Billed rows written: SQL rows and setAlarm calls. */
      billedRowsWritten: round2(perOp.rowsWritten + perOp.setAlarms),
      objectRequests: round2(perOp.rpcCalls + perOp.alarms),
      usdPerMillion: pricePerMillion(per(allIn, n)),
      ...(row.requestOnly && { note: 'its flush and purge are counted with its settlement (commit or release)' }),
    };
  });
}

// ── Output ──────────────────────────────────────────────────────────────────────

/** The cost table, printed. */
export function printCostTable(r) {
  const f = (x) => (x === 0 ? '0' : String(x));
  console.log(
    `Cost per operation, all-in · ${r.code} · ${r.config.opsPerRow} operations per row (project runs: ${r.config.projectRuns}), ` +
      `${r.config.spacingMs / 1000} s apart on one warm account · prices of ${r.prices.readOn}\n`,
  );
  console.log(
    table(
      [
        'operation',
        'statements',
        'rows written: request',
        'flush',
        'purge',
        'setAlarm',
        'all-in (billed)',
        'rows read',
        'object requests',
        'Worker requests',
        'D1 rows written / read',
        'storage B',
        '$ per million',
      ],
      r.operations.map((o) => [
        o.label,
        f(o.request.statements),
        f(o.request.rowsWritten),
        f(o.flush.rowsWritten),
        f(o.purge.rowsWritten),
        f(o.allIn.setAlarms),
        f(o.billedRowsWritten),
        f(o.allIn.rowsRead),
        f(o.objectRequests),
        f(o.allIn.workerRequests),
        `${f(o.allIn.d1RowsWritten)} / ${f(o.allIn.d1RowsRead)}`,
        f(o.allIn.storageBytes),
        o.usdPerMillion.total.toFixed(2),
      ]),
    ),
  );
  console.log(
    '\nstatements: at the request · rows written: SQLite rows (every index entry one) at the request, in the analytics flush ' +
      'divided over the operations it covered, and what the retention pass deletes later; setAlarm: each billed as a row ' +
      'written · all-in (billed) = the three + setAlarm · rows read, object requests (RPC calls + alarms) and D1 rows: all-in · ' +
      `storage B: database bytes added per operation · price: rows, requests, ${ASSUMED.objectWallMsPerRequest} ms of object ` +
      `duration per request and ${ASSUMED.objectWallMsPerD1Batch} ms per D1 batch at 128 MB, ${ASSUMED.workerCpuMsPerRequest} ms ` +
      'of Worker CPU per request (assumed; bench/prices.mjs)',
  );
}

function gitDescribe() {
  try {
    const cwd = new URL('..', import.meta.url).pathname;
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd, encoding: 'utf8' }).trim();
    return `${head}${dirty ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown';
  }
}

function userJwt(sub) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(service.secrets.JWT_SECRET));
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

function log(message) {
  process.stderr.write(`· ${message}\n`);
}
