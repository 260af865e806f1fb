// `node bench/scale.mjs [cost file …]`: a month of the platform at internet scale, priced from the
// counts of `npm run bench:cost` (bench/results/cost.json by default; several files print side by
// side, e.g. the counts of an older commit). docs/scale.md explains the model and its assumptions.
// Options: --students <n> (default 1,000,000), --runs <n> project runs per student a month (default 10).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ASSUMED, PRICES } from './prices.mjs';
import { table } from './report.mjs';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { students: { type: 'string' }, runs: { type: 'string' } },
});
const STUDENTS = Number(options.students ?? 1_000_000);
const RUNS_PER_STUDENT = Number(options.runs ?? 10);
/** SQLite bytes per ledger row, and rows a run keeps (7 ledger rows, 7 reservations): bench/README.md, "Storage". */
const BYTES_PER_KEPT_ROW = 190;
const KEPT_ROWS_PER_RUN = 14;
/** Months of history an average account holds (a year of use, half of it on average). */
const MONTHS_KEPT = 6;

const files = positionals.length ? positionals : ['bench/results/cost.json'];
const months = files.map((file) => monthOf(JSON.parse(readFileSync(file, 'utf8'))));

console.log(
  `A month of ${STUDENTS.toLocaleString('en')} students × ${RUNS_PER_STUDENT} project runs (7 × reserve → commit, then a balance read), one monthly reset each, US dollars\n`,
);
const lines = Object.keys(months[0].usd).map((part) => [
  part,
  ...months.flatMap((m) => [
    fmt(m.quantity[part]),
    `$${m.usd[part].toLocaleString('en', { maximumFractionDigits: 0 })}`,
  ]),
]);
lines.push([
  'total (after the allowances of the Workers Paid plan, with its $5 minimum)',
  ...months.flatMap((m) => ['', `$${m.total.toLocaleString('en', { maximumFractionDigits: 0 })}`]),
]);
console.log(table(['billed', ...months.flatMap((m) => [`${m.code}: quantity`, 'price'])], lines));
console.log(`\nrow writes are ${months.map((m) => `${Math.round(m.rowShare * 100)} %`).join(' → ')} of the bill`);

/** The month's quantities and their prices from one cost file. */
function monthOf(cost) {
  const op = (id) => {
    const row = cost.operations.find((o) => o.id === id);
    if (!row) throw new Error(`${cost.code}: no '${id}' row in the cost file`);
    return row.allIn;
  };
  const run = op('platform-run');
  const reset = op('reset');
  const runs = STUDENTS * RUNS_PER_STUDENT;
  const sum = (pick) => runs * pick(run) + STUDENTS * pick(reset);
  const dob = PRICES.durableObjects;
  const objectRequests = sum((c) => c.rpcCalls + c.alarms);
  const gbSeconds =
    ((objectRequests * ASSUMED.objectWallMsPerRequest + sum((c) => c.d1WriteBatches) * ASSUMED.objectWallMsPerD1Batch) /
      1000) *
    dob.memoryGb;
  const workerRequests = sum((c) => c.workerRequests);
  const firstCall = cost.operations.find((o) => o.id === 'first-call')?.allIn.storageBytes ?? 0;
  const storageGb =
    (STUDENTS * firstCall + STUDENTS * RUNS_PER_STUDENT * MONTHS_KEPT * KEPT_ROWS_PER_RUN * BYTES_PER_KEPT_ROW) / 1e9;
  const quantity = {
    'object requests (RPC calls, alarms)': objectRequests,
    'object duration, GB-s': gbSeconds,
    'object rows written (setAlarm included)': sum((c) => c.rowsWritten + c.setAlarms),
    'object rows read': sum((c) => c.rowsRead),
    'object storage, GB-month': storageGb,
    'D1 rows written': sum((c) => c.d1RowsWritten),
    'D1 rows read': sum((c) => c.d1RowsRead),
    'Worker requests': workerRequests,
    'Worker CPU, ms': workerRequests * ASSUMED.workerCpuMsPerRequest,
  };
  const inc = dob.included;
  const over = (n, included) => Math.max(0, n - included) / 1e6;
  const usd = {
    'object requests (RPC calls, alarms)': over(objectRequests, inc.requests) * dob.requestUsdPerMillion,
    'object duration, GB-s': over(gbSeconds, inc.gbSeconds) * dob.durationUsdPerMillionGbSeconds,
    'object rows written (setAlarm included)':
      over(quantity['object rows written (setAlarm included)'], inc.rowsWritten) * dob.rowsWrittenUsdPerMillion,
    'object rows read': over(quantity['object rows read'], inc.rowsRead) * dob.rowsReadUsdPerMillion,
    'object storage, GB-month': Math.max(0, storageGb - inc.storageGbMonths) * dob.storageUsdPerGbMonth,
    'D1 rows written':
      over(quantity['D1 rows written'], PRICES.d1.included.rowsWritten) * PRICES.d1.rowsWrittenUsdPerMillion,
    'D1 rows read': over(quantity['D1 rows read'], PRICES.d1.included.rowsRead) * PRICES.d1.rowsReadUsdPerMillion,
    'Worker requests': over(workerRequests, PRICES.workers.included.requests) * PRICES.workers.requestUsdPerMillion,
    'Worker CPU, ms':
      over(quantity['Worker CPU, ms'], PRICES.workers.included.cpuMs) * PRICES.workers.cpuUsdPerMillionMs,
  };
  const total = PRICES.planUsdPerMonth + Object.values(usd).reduce((a, b) => a + b, 0);
  const rowShare = usd['object rows written (setAlarm included)'] / total;
  return { code: cost.code, quantity, usd, total, rowShare };
}

function fmt(n) {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  return Math.round(n).toLocaleString('en');
}
