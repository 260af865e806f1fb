// `npm run bench:cost`: what each operation costs on Cloudflare's bill, counted, not timed
// (bench/costCounts.mjs says how). The service runs in Miniflare as in `npm run bench`, its routes
// reaching the same UserAccount code with billing counters around it (bench/countedAccount.ts).
// Prints the table and writes bench/results/<name>.json (default cost.json); `node bench/scale.mjs
// <that file>` prices a month at scale from it.
// Options: --name <file stem>, --ops <n> (operations per row, default 10), --only <ids> (comma-separated
// scenario ids, e.g. usage,replay).
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { countCosts, printCostTable } from './costCounts.mjs';
import { startService } from './service.mjs';

const BENCH_SQL = [
  "UPDATE plans SET tokens_per_month = 1000000000, max_requests_per_day = 1000000000 WHERE id = 'free'",
];

const { values: options } = parseArgs({
  options: { name: { type: 'string' }, ops: { type: 'string' }, only: { type: 'string' } },
});
const started = performance.now();
const service = await startService({ extraSql: BENCH_SQL, countedAccounts: true });
process.once('exit', () => service.removeFilesNow());
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
let results;
try {
  results = await countCosts(service, { opsPerRow: Number(options.ops ?? 10), ids: options.only?.split(',') });
} finally {
  await service.stop();
}
printCostTable(results);
const name = options.name ?? 'cost';
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nraw counts: bench/results/${name}.json (${Math.round((performance.now() - started) / 1000)} s)`);
