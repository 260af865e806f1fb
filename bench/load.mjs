// One HTTP load run with autocannon, summarised as the figures the report compares.
import autocannon from 'autocannon';

/** Requests in flight: enough to keep both cores busy, few enough that latency means something. */
export const CONNECTIONS = 32;
const NON_OK_BODIES_KEPT = 3;

/**
 * Drive `path` for `duration` seconds (or `amount` requests). `setupRequest(request)` may rewrite
 * each request before it is sent (a unique Idempotency-Key, another user's path); `onResponse(status,
 * body)` sees each answer. Or `sequence`: requests each connection sends in turn, over and over, each
 * getting `(request, context)` and `(status, body, context)`, the context shared along one pass of
 * the sequence on one connection (loadSequence).
 */
export async function load({
  url,
  method = 'GET',
  path,
  headers = {},
  body,
  setupRequest,
  onResponse,
  sequence,
  duration,
  amount,
  connections = CONNECTIONS,
}) {
  if (sequence) return loadSequence({ url, sequence, amount, connections });
  const errorKinds = {};
  // The first few bodies of each non-2xx status, so a report can say what went wrong, not only how often.
  const nonOkBodies = {};
  const keepNonOk = (status, responseBody) => {
    if (status < 300) return;
    const kept = (nonOkBodies[status] ??= []);
    if (kept.length < NON_OK_BODIES_KEPT) kept.push(String(responseBody ?? '').slice(0, 300));
  };
  const startedAt = performance.now();
  const run = autocannon({
    url,
    connections,
    ...(amount === undefined ? { duration } : { amount }),
    timeout: 30,
    // autocannon calls setupRequest whenever the key is present, so leave it out when unset.
    // autocannon calls setupRequest whenever the key is present, so it is left out when unset.
    requests: (sequence ?? [{ method, path, headers, body, setupRequest, onResponse }]).map(
      ({ setupRequest: setup, onResponse: seen, ...request }) => ({
        ...request,
        ...(setup && { setupRequest: setup }),
        onResponse: (status, responseBody, ...rest) => {
          keepNonOk(status, responseBody);
          seen?.(status, responseBody, ...rest);
        },
      }),
    ),
  });
  run.on('reqError', (error) => {
    const kind = error?.code ?? error?.message ?? String(error);
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  });
  // autocannon ends a run (and measures its duration) on its next one-second tick after the last
  // answer: too coarse for a fixed amount that takes a second or two. Time up to the last answer here.
  let lastAnswerAt = startedAt;
  run.on('response', () => (lastAnswerAt = performance.now()));
  const result = await run;
  const seconds = (lastAnswerAt - startedAt) / 1000;
  const completed = result['2xx'] + result.non2xx;
  return {
    requests: completed,
    seconds,
    requestsPerSecond: Math.round(completed / seconds),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    errorKinds,
    nonOkBodies,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
  };
}

/**
 * A sequence of dependent requests (a reservation, then its commit naming it), `connections` passes
 * at a time until `amount` requests are answered. Not autocannon: its request iterator can hand an
 * answer to the next request's callback (one reservation's id lost, its commit a 400), so each pass
 * here awaits every answer before it sets up the next request. A pass cut off by a network error
 * starts over with a fresh context.
 */
async function loadSequence({ url, sequence, amount, connections }) {
  const latencies = [];
  const statusCodes = {};
  const errorKinds = {};
  const nonOkBodies = {};
  let sent = 0;
  let errors = 0;
  const startedAt = performance.now();
  let lastAnswerAt = startedAt;
  const connection = async () => {
    while (sent < amount) {
      const context = {};
      for (const step of sequence) {
        if (sent >= amount) return;
        sent++;
        const { setupRequest: setup, onResponse: seen, ...base } = step;
        const request = setup ? setup({ ...base }, context) : base;
        const began = performance.now();
        let status;
        let text;
        try {
          const response = await fetch(`${url}${request.path}`, {
            method: request.method,
            headers: request.headers,
            body: request.body,
          });
          status = response.status;
          text = await response.text();
        } catch (error) {
          errors++;
          const kind = error?.cause?.code ?? error?.code ?? String(error);
          errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
          break;
        }
        lastAnswerAt = performance.now();
        latencies.push(lastAnswerAt - began);
        statusCodes[status] = (statusCodes[status] ?? 0) + 1;
        if (status >= 300) {
          const kept = (nonOkBodies[status] ??= []);
          if (kept.length < NON_OK_BODIES_KEPT) kept.push(text.slice(0, 300));
        }
        seen?.(status, text, context);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, connection));
  const seconds = (lastAnswerAt - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const non2xx = Object.entries(statusCodes).reduce((n, [code, count]) => n + (Number(code) >= 300 ? count : 0), 0);
  return {
    requests: latencies.length,
    seconds,
    requestsPerSecond: Math.round(latencies.length / seconds),
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) },
    non2xx,
    errors,
    timeouts: 0,
    errorKinds,
    nonOkBodies,
    statusCodes,
  };
}
