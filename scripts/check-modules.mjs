// eslint reads only the TypeScript; the plain modules (bench, scripts, browser tests) are at least
// compiled here, so an error a parser tolerates (a name declared twice) fails the lint, not a run.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const folders = ['bench', 'bench/peers', 'scripts', 'e2e', 'packages/client/test'];
const files = folders.flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.mjs'))
    .map((name) => join(dir, name)),
);
for (const file of files) execFileSync(process.execPath, ['--check', file], { stdio: 'inherit' });
console.log(`${files.length} modules compile`);
