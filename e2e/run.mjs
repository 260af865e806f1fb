// `npm run test:e2e`: runs the browser tests with node's test runner (spec output) and ends with
// one line of counts, "e2e: N passed, N failed, N skipped"; exits 1 when any failed. The service is
// started once for every file (E2E_BASE_URL tells them where), as are the screenshots' folder.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';
import { startService } from './server.mjs';

const dir = fileURLToPath(new URL('.', import.meta.url));
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`No browser at ${chromium}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}

const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => `${dir}${f}`);
const shotsDir = process.env.E2E_SHOTS_DIR ?? `${dir}screenshots/${new Date().toISOString().replace(/[:.]/g, '-')}/`;
mkdirSync(shotsDir, { recursive: true });
console.log(`screenshots: ${shotsDir} (and service.log, the output of npm start)`);
let service;
try {
  service = await startService(`${shotsDir}service.log`);
} catch (error) {
  console.error(error);
  console.log('e2e: 0 passed, 1 failed, 0 skipped');
  process.exit(1);
}
process.env.E2E_BASE_URL = service.baseUrl;
process.env.E2E_SHOTS_DIR = shotsDir;

const counts = { passed: 0, failed: 0, skipped: 0 };
const stream = run({ files, concurrency: 1 });
// Count tests, not the files and suites that hold them.
stream.on('test:pass', (event) => {
  if (event.details?.type === 'suite' || event.file === undefined || event.name === event.file) return;
  if (event.skip || event.todo) counts.skipped++;
  else counts.passed++;
});
stream.on('test:fail', (event) => {
  if (event.details?.type === 'suite' || event.name === event.file) return;
  counts.failed++;
});
stream.compose(new spec()).pipe(process.stdout);
await new Promise((resolve) => stream.once('end', resolve));
// Let the reporter flush before the summary line.
await new Promise((resolve) => setImmediate(resolve));
await service.stop();
console.log(`e2e: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exitCode = counts.failed > 0 || counts.passed === 0 ? 1 : 0;
