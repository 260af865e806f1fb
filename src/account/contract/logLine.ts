// One JSON line per log event, on both sides of the RPC boundary, so a request's lines can be joined:
// each names the request that caused it (its X-Request-Id) or, for background work (an alarm, the
// cron), the id of that run.

/** The id a log line is filed under. */
export type LogCorrelation = { request_id: string } | { run_id: string };

export type LogLevel = 'info' | 'warn' | 'error';

/** Writes `{ level, what, request_id | run_id, ...fields }`; a field never replaces the first three. */
export function logLine(
  level: LogLevel,
  what: string,
  correlation: LogCorrelation,
  fields: Record<string, unknown> = {},
): void {
  const line: Record<string, unknown> = { level, what, ...correlation, ...fields };
  Object.assign(line, { level, what }, correlation);
  const text = JSON.stringify(line);
  if (level === 'error') console.error(text);
  else if (level === 'warn') console.warn(text);
  else console.log(text);
}

/** A fresh id for a run of background work. */
export function newRunId(): string {
  return crypto.randomUUID();
}
