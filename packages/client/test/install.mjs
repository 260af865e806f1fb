// `npm run test:client`: the client as someone outside this repository gets it. Builds and packs the
// package, installs the tarball into a fresh project in a temporary directory (offline: the package
// has no dependencies), type-checks a program that uses it under strict settings with the DOM
// library (module resolution NodeNext and Bundler) and the TypeScript samples of the documentation,
// then runs the program against the service started as `npm start` starts it. Exits 1 on any type
// error or wrong number; stops the service either way.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { startService } from '../../../e2e/server.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const templateDir = fileURLToPath(new URL('fresh-project/', import.meta.url));
const tsc = join(root, 'node_modules/.bin/tsc');
const quiet = { WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
// The fresh project must not inherit this repository's npm settings (`npm run` exports them, the
// local prefix among them), so every npm_* variable is left out.
const outsideNpm = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
const env = { ...outsideNpm, ...quiet, npm_config_update_notifier: 'false' };
/** The pages whose TypeScript samples use the package, relative to the repository. */
const DOCUMENTED = ['docs/integration.md', 'packages/client/README.md'];
/** Files a published package may hold, relative to its root. */
const SHIPPED = /^(dist\/.+\.(js|d\.ts)|package\.json|README\.md|LICENSE)$/;

const work = mkdtempSync(join(tmpdir(), 'token-client-'));
if (!relative(root, work).startsWith('..')) throw new Error(`${work} is inside the repository`);
let service;
let failed = false;

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** tsc's diagnostics for one tsconfig of the fresh project: the count, printed in full when not 0. */
function typeCheck(project, label) {
  const result = spawnSync(tsc, ['-p', project], { cwd: join(work, 'app'), env, encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  const errors = output.split('\n').filter((line) => /error TS\d+/.test(line)).length;
  console.log(`tsc (${label}): ${errors} ${errors === 1 ? 'error' : 'errors'}`);
  if (errors > 0 || result.status !== 0) {
    process.stdout.write(output);
    throw new Error(`the fresh project does not type-check (${label})`);
  }
}

/** Each ```ts block of the documented pages as a module of the fresh project. */
function writeDocSamples(app) {
  mkdirSync(join(app, 'docs'));
  let count = 0;
  for (const page of DOCUMENTED) {
    const blocks = [...readFileSync(join(root, page), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)];
    if (blocks.length === 0) throw new Error(`${page} has no TypeScript sample`);
    for (const [, code] of blocks) writeFileSync(join(app, 'docs', `sample-${++count}.ts`), code);
  }
  return count;
}

/** A development secret the service was started with (.dev.vars, made from the example by npm start). */
function devVar(name) {
  const file = join(root, existsSync(join(root, '.dev.vars')) ? '.dev.vars' : '.dev.vars.example');
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  if (line === undefined) throw new Error(`${name} is not in ${file}`);
  return line.slice(name.length + 1).trim();
}

async function userJwt(userId) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(devVar('JWT_SECRET')));
}

async function main() {
  // A clean build, so nothing a removed source left behind is packed; `npm pack` builds it (prepack).
  rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], packageDir));
  const files = packed.files.map((f) => f.path);
  const unexpected = files.filter((path) => !SHIPPED.test(path));
  if (unexpected.length > 0 || !files.includes('dist/index.js') || !files.includes('dist/index.d.ts')) {
    throw new Error(`the tarball holds ${files.join(', ')}`);
  }
  console.log(`packed ${packed.filename}: ${files.length} files, ${packed.size} bytes`);

  const app = join(work, 'app');
  cpSync(templateDir, app, { recursive: true });
  run('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', join(work, packed.filename)], app);
  const installed = JSON.parse(readFileSync(join(app, 'node_modules/@bharatbuild/token-client/package.json'), 'utf8'));
  if (Object.keys(installed.dependencies ?? {}).length > 0) throw new Error('the package has runtime dependencies');
  console.log(`installed ${installed.name}@${installed.version} into ${app}`);

  typeCheck('tsconfig.bundler.json', 'moduleResolution Bundler');
  const samples = writeDocSamples(app);
  typeCheck('tsconfig.docs.json', `${samples} samples of ${DOCUMENTED.join(', ')}`);
  typeCheck('tsconfig.json', 'moduleResolution NodeNext'); // also writes out/program.js

  service = await startService(join(work, 'service.log'));
  const userId = `install-check-${crypto.randomUUID()}`;
  const program = spawnSync(process.execPath, ['out/program.js'], {
    cwd: app,
    stdio: 'inherit',
    env: {
      ...env,
      TOKEN_SERVICE_URL: service.baseUrl,
      TOKEN_SERVICE_TOKEN: devVar('SERVICE_TOKEN'),
      TOKEN_SERVICE_USER_ID: userId,
      TOKEN_SERVICE_USER_JWT: await userJwt(userId),
    },
  });
  if (program.status !== 0) throw new Error(`the program failed (exit ${program.status ?? program.signal})`);
}

try {
  await main();
  console.log('test:client: passed');
} catch (error) {
  failed = true;
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  if (existsSync(join(work, 'service.log'))) console.error(`service output: ${join(work, 'service.log')}`);
  console.log('test:client: failed');
} finally {
  await service?.stop();
  // The directory stays when the run failed, with the service's output, for reading.
  if (!failed) rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
