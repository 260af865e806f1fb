// `npm start`: everything a fresh clone needs to run the service on this machine, offline and
// without questions: local secrets, the D1 schema and catalog, then `wrangler dev` on
// 127.0.0.1:$PORT (default 8787). `npm run reset` forgets the local data.
// `npm run dev` (--skip-setup) is only the last step, for restarts once the setup is done.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { wranglerBin, wranglerEnv } from './wrangler-env.mjs';

const port = process.env.PORT ?? '8787';
const skipSetup = process.argv.includes('--skip-setup');
const wranglerArgs = process.argv.slice(2).filter((a) => a !== '--skip-setup');

/** Run a wrangler command quietly; print its output only when it fails. */
function quietly(args, extraEnv = {}) {
  const result = spawnSync(wranglerBin, args, { env: { ...wranglerEnv, ...extraEnv }, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    console.error(`\nnpm start: \`wrangler ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
  return result.stdout;
}

function setUp() {
  if (!existsSync('.dev.vars')) {
    copyFileSync('.dev.vars.example', '.dev.vars');
    console.log('Created .dev.vars from .dev.vars.example (development secrets; Stripe left unset).');
  }
  // In a terminal, `d1 migrations apply` asks "continue? (Y/n)"; CI=true makes it answer yes itself.
  const migrated = quietly(['d1', 'migrations', 'apply', 'DB', '--local'], { CI: 'true' });
  const applied = migrated.match(/\d+ migration/)?.[0] ?? null;
  // Development-only rows (the sample promo codes); production never loads seed/ (docs/deploy.md).
  const seeds = readdirSync('seed')
    .filter((f) => f.endsWith('.sql'))
    .sort();
  for (const file of seeds) quietly(['d1', 'execute', 'DB', '--local', '--file', `seed/${file}`]);
  console.log(
    `Local D1: ${applied ? `${applied}(s) applied` : 'schema up to date'}; development rows loaded (${seeds.join(', ')}).`,
  );
}

if (!skipSetup) setUp();

// npm start runs the development rules (docs/configuration.md#environment). .dev.vars.example says so;
// a .dev.vars copied before it did gets the setting here, and one that sets ENVIRONMENT itself keeps it.
const environmentVar = /^ENVIRONMENT=/m.test(existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') : '')
  ? []
  : ['--var', 'ENVIRONMENT:development'];

// --test-scheduled: the cron handler can be fired by hand (GET /__scheduled), and wrangler does not
// warn that crons do not run by themselves locally.
const devArgs = ['dev', '--ip', '127.0.0.1', '--port', port, '--test-scheduled', ...environmentVar, ...wranglerArgs];
const dev = spawn(wranglerBin, devArgs, {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: wranglerEnv,
  // Its own process group, signalled as a whole below: npm's wrangler wrapper passes only SIGTERM on,
  // which `wrangler dev` does not always stop for; SIGINT to the group always stops it.
  detached: true,
});

// What wrangler prints that a reader of this terminal does not need: the bindings table (the same
// every time), where secrets came from, the dashboard build's chatter (its size line stays), and a types hint that compares against .dev.vars secrets
// (the checked-in types leave secrets out on purpose: src/env.ts).
let inBindingsTable = false;
function noise(line) {
  if (line.startsWith('Your Worker has access to the following bindings')) inBindingsTable = true;
  if (inBindingsTable) {
    if (line.trim() === '') inBindingsTable = false;
    return true;
  }
  return (
    line.startsWith('Using secrets defined in') ||
    /^\[custom build\] (Running:|\s*$)/.test(line) ||
    line.includes('changed, restarting build') ||
    line.includes('Your types might be out of date') ||
    line.includes('Starting local server') ||
    line.trim() === ''
  );
}

function announce(base) {
  console.log(
    [
      '',
      `BharatBuild token service is running (wrangler dev, local D1 and Durable Objects under .wrangler/).`,
      `  Dashboard:     ${base}/`,
      `  API base URL:  ${base}/api/v1        try: curl ${base}/api/v1/health`,
      `  A user token:  npm run token -- alice    (JWT signed with JWT_SECRET from .dev.vars)`,
      `  API reference: docs/api.md · Start over: npm run reset · Stop: Ctrl-C`,
      '',
    ].join('\n'),
  );
}

for (const [stream, out] of [
  [dev.stdout, process.stdout],
  [dev.stderr, process.stderr],
]) {
  createInterface({ input: stream }).on('line', (line) => {
    const ready = line.match(/Ready on (http:\/\/\S+)/);
    if (ready) return announce(ready[1].replace(/\/$/, ''));
    if (!noise(line)) out.write(`${line}\n`);
  });
}

function stop() {
  try {
    process.kill(-dev.pid, 'SIGINT');
  } catch {
    // already gone
  }
  // Whatever happens to wrangler, do not outlive it by more than a few seconds.
  setTimeout(() => process.exit(1), 5000).unref();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);
dev.on('exit', (code) => process.exit(code ?? 0));
