// Cloudflare's published prices (Workers Paid plan, usage beyond what the plan includes), as read on
// 2026-12-04 in Cloudflare's documentation (bench/README.md, "Prices", names the pages). The bench
// prices counts with them; bench/scale.mjs also uses the monthly allowances.

export const PRICES = {
  readOn: '2026-12-04',
  sources: {
    durableObjects: 'https://developers.cloudflare.com/durable-objects/platform/pricing/',
    workers: 'https://developers.cloudflare.com/workers/platform/pricing/',
    d1: 'https://developers.cloudflare.com/d1/platform/pricing/',
  },
  durableObjects: {
    /** RPC method calls (each its own session), HTTP requests, alarm invocations. */
    requestUsdPerMillion: 0.15,
    /** Wall-clock time while active, billed at 128 MB per object. */
    durationUsdPerMillionGbSeconds: 12.5,
    memoryGb: 0.128,
    /** SQLite-backed storage: every index entry a row; a delete is a row written; each setAlarm() is one row written. */
    rowsWrittenUsdPerMillion: 1.0,
    rowsReadUsdPerMillion: 0.001,
    storageUsdPerGbMonth: 0.2,
    included: { requests: 1e6, gbSeconds: 400_000, rowsWritten: 50e6, rowsRead: 25e9, storageGbMonths: 5 },
  },
  workers: {
    requestUsdPerMillion: 0.3,
    cpuUsdPerMillionMs: 0.02,
    included: { requests: 10e6, cpuMs: 30e6 },
  },
  d1: {
    rowsWrittenUsdPerMillion: 1.0,
    rowsReadUsdPerMillion: 0.001,
    storageUsdPerGbMonth: 0.75,
    included: { rowsWritten: 50e6, rowsRead: 25e9, storageGbMonths: 5 },
  },
  /** The Workers Paid plan's monthly minimum. */
  planUsdPerMonth: 5,
};

/**
 * What the counts cannot say, assumed (bench/README.md, "Prices"): the wall-clock time an object is
 * billed per request it serves (a deduction is ~0.3 ms of CPU, then its commit is confirmed), and per
 * D1 batch it waits on from an alarm; the Worker's CPU per request it serves (the bench measures
 * 0.1–0.3 ms locally for the routes priced here; 1 ms leaves room).
 */
export const ASSUMED = {
  objectWallMsPerRequest: 5,
  objectWallMsPerD1Batch: 25,
  workerCpuMsPerRequest: 1,
};

/** The price of one operation's counts, in US dollars per million operations, by what is billed. */
export function pricePerMillion(c) {
  const dob = PRICES.durableObjects;
  const objectRequests = c.rpcCalls + c.alarms;
  const wallSeconds =
    (objectRequests * ASSUMED.objectWallMsPerRequest + c.d1WriteBatches * ASSUMED.objectWallMsPerD1Batch) / 1000;
  const parts = {
    rowsWritten: (c.rowsWritten + c.setAlarms) * dob.rowsWrittenUsdPerMillion,
    rowsRead: c.rowsRead * dob.rowsReadUsdPerMillion,
    objectRequests: objectRequests * dob.requestUsdPerMillion,
    duration: wallSeconds * dob.memoryGb * dob.durationUsdPerMillionGbSeconds,
    workerRequests: c.workerRequests * PRICES.workers.requestUsdPerMillion,
    workerCpu: c.workerRequests * ASSUMED.workerCpuMsPerRequest * PRICES.workers.cpuUsdPerMillionMs,
    d1: c.d1RowsWritten * PRICES.d1.rowsWrittenUsdPerMillion + c.d1RowsRead * PRICES.d1.rowsReadUsdPerMillion,
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return { ...round4(parts), total: round4({ total }).total };
}

function round4(o) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 1e4) / 1e4]));
}
