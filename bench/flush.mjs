// `npm run bench:flush`: the analytics flush under load, locally. Starts the service in Miniflare
// (bench/service.mjs). Phase 1: N users (default 1,000) open an account and record K usage rows each
// (default 3) over HTTP; the objects' alarms flush their outboxes to D1 in real time, 30 s behind.
// Phase 2: one more request from every user, sent as fast as the objects answer, so all flushes fall
// due within a few seconds. Each phase polls the admin analytics API until D1 has counted every
// request, and reports D1 statements per second while the flushes ran (computed per user from the
// rows it sent), flushes per second, the time from the last request to the last row counted (this
// includes OUTBOX_FLUSH_DELAY_MS by design) and the worst batch lag the objects reported.
// Writes bench/results/flush-<name>.json. Options: --users <n>, --requests <k>, --name <stem>.
// Never leaves 127.0.0.1.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startService } from './service.mjs';

const { values: options } = parseArgs({
  options: { users: { type: 'string' }, requests: { type: 'string' }, name: { type: 'string' } },
});
const USERS = Number(options.users ?? 1_000);
const REQUESTS_PER_USER = Number(options.requests ?? 3);
const IN_FLIGHT = 50;
const POLL_MS = 200;
const WAIT_MS_MAX = 180_000;
const AGENTS = ['idea', 'srs', 'code', 'uml', 'report', 'ppt', 'viva'];
const MODELS = ['haiku', 'sonnet'];

const service = await startService({
  extraSql: ["UPDATE plans SET tokens_per_month = 1000000000, max_requests_per_day = 1000000000 WHERE id = 'free'"],
});
try {
  const runId = randomUUID().slice(0, 8);
  const users = Array.from({ length: USERS }, (_, i) => `flush-${runId}-${i}`);
  // Each user's requests, and the D1 statements its flush will be: one per distinct (agent, model),
  // the user's day, two for the opening allowance (platform and user ledger), the cursor.
  const plan = users.map((userId, u) => {
    const rows = Array.from({ length: REQUESTS_PER_USER }, (_, r) => ({
      agent: AGENTS[(u + r) % AGENTS.length],
      model: MODELS[(u + r) % MODELS.length],
      input_tokens: 100 + r,
      output_tokens: 200 + r,
    }));
    const keys = new Set(rows.map((r) => `${r.agent}|${r.model}`)).size;
    return { userId, rows, statements: keys + 1 + 2 + 1 };
  });
  const statements = plan.reduce((sum, p) => sum + p.statements, 0);

  let retried = 0;
  const post = async (userId, body) => {
    const key = randomUUID();
    for (let attempt = 0; ; attempt++) {
      let response;
      let text = '';
      try {
        response = await fetch(`${service.url}/api/v1/service/users/${userId}/usage`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${service.secrets.SERVICE_TOKEN}`,
            'Content-Type': 'application/json',
            'Idempotency-Key': key,
          },
          body: JSON.stringify(body),
        });
        text = await response.text();
        if (response.ok) return;
      } catch (error) {
        // A kept-alive connection the local server closed: the same key again is safe.
        if (attempt >= 5) throw error;
      }
      // Opening many accounts at once can outrun the local D1's catalog read (a 503 that changed
      // nothing): the same key again is safe.
      if (response && (response.status !== 503 || attempt >= 5))
        throw new Error(`usage for ${userId}: ${response.status} ${text}`);
      retried++;
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  };
  const admin = async (path) => {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`${service.url}${path}`, {
          headers: { Authorization: `Bearer ${service.secrets.ADMIN_TOKEN}` },
        });
        if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
        return await response.json();
      } catch (error) {
        // A kept-alive connection the local server closed: a read is safe to send again.
        if (attempt >= 5) throw error;
      }
    }
  };
  const send = async (jobs) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < jobs.length) await jobs[next++]();
      }),
    );
  };
  /** Poll D1's request count until it reaches `target`; answers when it first moved above `from` and when it got there. */
  const countedBy = async (from, target, since) => {
    let first;
    for (;;) {
      const counted = (await admin('/api/v1/admin/analytics?group_by=day')).totals.requests;
      const now = Date.now();
      if (counted > from && first === undefined) first = now;
      if (counted >= target) return { first, last: now };
      if (now - since > WAIT_MS_MAX)
        throw new Error(`D1 counted ${counted} of ${target} requests in ${WAIT_MS_MAX} ms`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  const phase = async (name, jobs, from, statementsSent, flushes) => {
    const started = Date.now();
    const counting = countedBy(from, from + jobs.length, started);
    await send(jobs);
    const lastSent = Date.now();
    const { first, last } = await counting;
    const lag = await admin('/api/v1/admin/analytics/flush');
    // The window is at least one poll long: the first and last counts are seen a poll apart at best.
    const windowMs = Math.max(last - first, POLL_MS);
    return {
      phase: name,
      requests: jobs.length,
      sendMs: lastSent - started,
      flushWindowMs: windowMs,
      d1Statements: statementsSent,
      d1StatementsPerSecond: Math.round((statementsSent / windowMs) * 1000),
      flushesPerSecond: Math.round((flushes / windowMs) * 1000),
      lastSentToAllCountedMs: last - lastSent,
      maxReportedBatchLagMs: lag.max_recent_lag_ms,
      usersWithPendingRows: lag.users_with_pending_rows,
    };
  };

  // Phase 1: every user opens (a D1 catalog read each) and records its rows; flushes follow the
  // sends 30 s behind, so their rate is the rate users arrive.
  const open = await phase(
    'open + usage',
    plan.flatMap((p) => p.rows.map((row) => () => post(p.userId, row))),
    0,
    statements,
    USERS,
  );
  // Phase 2: one more request from every (now warm) user, sent as fast as the objects answer, so
  // all their flushes fall due within a few seconds: the burst D1 must absorb.
  const burstRow = { agent: 'code', model: 'haiku', input_tokens: 10, output_tokens: 10 };
  const burst = await phase(
    'burst: 1 request per user',
    users.map((userId) => () => post(userId, burstRow)),
    USERS * REQUESTS_PER_USER,
    USERS * 3, // one usage key, the user's day, the cursor
    USERS,
  );
  const result = {
    method:
      'Miniflare on 127.0.0.1 (one workerd process), real-time alarms; D1 statements computed per user from the rows sent; window = first to last change of the count seen by a 200 ms poll of the admin API',
    users: USERS,
    requestsPerUser: REQUESTS_PER_USER,
    retried,
    phases: [open, burst],
  };
  console.table(result.phases);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL(`./results/flush-${options.name ?? 'last'}.json`, import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
} finally {
  await service.stop();
}
