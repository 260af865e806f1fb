// One JSON line per log event, on both sides of the RPC boundary, so a request's lines can be joined:
// each names the request that caused it (its X-Request-Id, which travels with every RPC the Worker
// makes for it) or, for background work (an alarm, the cron), the id of that run.

/** Where a piece of work came from: a Worker request, or a run of background work. */
export interface Trace {
  /** The Worker request's X-Request-Id. */
  requestId?: string;
  /** A run of an alarm or of the cron: every line of the run shares it. */
  runId?: string;
}

type LogLevel = 'info' | 'warn' | 'error';

/** Writes `{ level, what, request_id | run_id, ...fields }`; a field never replaces those. */
export function logLine(level: LogLevel, what: string, trace: Trace, fields: Record<string, unknown> = {}): void {
  const head: Record<string, unknown> = { level, what };
  if (trace.requestId !== undefined) head.request_id = trace.requestId;
  if (trace.runId !== undefined) head.run_id = trace.runId;
  const text = JSON.stringify(Object.assign({ ...head, ...fields }, head));
  if (level === 'error') console.error(text);
  else if (level === 'warn') console.warn(text);
  else console.log(text);
}

/** The trace of a new run of background work. */
export function newRun(): Trace {
  return { runId: crypto.randomUUID() };
}
