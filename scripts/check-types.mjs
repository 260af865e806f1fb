// `npm run cf-typegen:check` (CI): fail when worker-configuration.d.ts is not what `npm run cf-typegen`
// makes of wrangler.toml. (`wrangler types --check` is not used: it reads a local .dev.vars and
// then sees secrets the checked-in file leaves out on purpose; see src/env.ts.)
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { wranglerBin, wranglerEnv } from './wrangler-env.mjs';

const FILE = 'worker-configuration.d.ts';
const [, ...args] = JSON.parse(readFileSync('package.json', 'utf8')).scripts['cf-typegen'].split(' ');
const before = readFileSync(FILE, 'utf8');
const result = spawnSync(wranglerBin, args, { env: wranglerEnv, encoding: 'utf8' });
if (result.status !== 0) {
  process.stderr.write(`${result.stdout}${result.stderr}`);
  process.exit(result.status ?? 1);
}
if (readFileSync(FILE, 'utf8') !== before) {
  writeFileSync(FILE, before);
  console.error(`${FILE} does not match wrangler.toml: run \`npm run cf-typegen\` and commit the result.`);
  process.exit(1);
}
console.log(`${FILE} matches wrangler.toml.`);
