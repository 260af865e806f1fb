// `npm run examples`: replay every curl example of docs/api.md, in order, against a fresh local
// service, and write the answers it got back under each command. So the printed answers are what a
// reader gets by running the same commands after `npm run reset && npm start`.
//
//   npm run examples            rewrite docs/api.md
//   npm run examples -- --check exit 1 if docs/api.md differs from a fresh replay (nothing written)
//   npm run examples -- --check --base http://127.0.0.1:8787
//                               replay against a service you started yourself, freshly
//                               (`npm run reset && npm start`), as a reader would
//
// The service runs on a free port of 127.0.0.1 with its own temporary state and the development
// secrets of .dev.vars.example (Stripe unset), whatever your .dev.vars holds. Values that change
// from run to run (timestamps near now, recent dates, X-Process-Time, request ids) are printed as `…`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wranglerBin, wranglerEnv } from './wrangler-env.mjs';

const DOC = 'docs/api.md';
const DOC_PORT = '8787';
const WRAP_COLUMNS = 110;
// Headers worth showing in a `curl -i` answer; the others (Date, Content-Length, …) are left out.
const SHOWN_HEADERS =
  /^(allow|link|retry-after|x-next-cursor|x-tokens-remaining|x-tokens-used-today|x-requests-today|x-process-time):/i;
const check = process.argv.includes('--check');
const baseArg = process.argv.includes('--base') ? process.argv[process.argv.indexOf('--base') + 1] : null;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(String(port)));
    });
  });
}

function devVar(name) {
  const line = readFileSync('.dev.vars.example', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  return line.slice(name.length + 1).trim();
}

function wranglerQuietly(args, extraEnv = {}) {
  const result = spawnSync(wranglerBin, args, { env: { ...wranglerEnv, ...extraEnv }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
}

async function startService(state, port) {
  const persist = ['--persist-to', state];
  wranglerQuietly(['d1', 'migrations', 'apply', 'DB', '--local', ...persist], { CI: 'true' });
  wranglerQuietly(['d1', 'execute', 'DB', '--local', ...persist, '--file', 'seed/0001_dev_promo_codes.sql']);
  const dev = spawn(
    wranglerBin,
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      port,
      ...persist,
      '--env-file',
      '.dev.vars.example',
      '--log-level',
      'warn',
      '--test-scheduled',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: wranglerEnv, detached: true },
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return dev;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  process.kill(-dev.pid, 'SIGTERM');
  throw new Error('the service did not answer /health within 60 s');
}

/** The doc split into lines, with each bash block's commands and the output lines after them. */
function commandsOf(lines) {
  const commands = [];
  let inBash = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('```')) {
      inBash = line === '```bash';
      continue;
    }
    if (!inBash || !line.startsWith('curl ')) continue;
    const start = i;
    while (lines[i].endsWith('\\')) i++;
    let end = i + 1; // the answer's lines follow the command, each starting with '#'
    while (lines[end].startsWith('#')) end++;
    commands.push({ start, commandEnd: i + 1, end, text: lines.slice(start, i + 1).join('\n') });
    i = end - 1;
  }
  return commands;
}

function normalise(text, port) {
  const now = Date.now();
  const nearNow = (iso) => Math.abs(Date.parse(iso) - now) < 400 * 86_400_000;
  return text
    .replaceAll(`127.0.0.1:${port}`, `127.0.0.1:${DOC_PORT}`)
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, (iso) => (nearNow(iso) ? '…' : iso))
    .replace(/"\d{4}-\d{2}-\d{2}"/g, (day) => (nearNow(day.slice(1, -1)) ? '"…"' : day))
    .replace(/\b\d{4}-\d{2}\b(?!-\d)/g, (month) => (nearNow(`${month}-01`) ? '…' : month))
    .replace(/(x-process-time:\s*)[\d.]+/i, '$1…')
    .replace(/(x-request-id:\s*)[0-9a-f-]{36}/gi, '$1…')
    .replace(/("request_id":\s*")[0-9a-f-]{36}"/g, '$1…"')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, 'eyJ…');
}

/** JSON text cut after each comma that is not inside a string. */
function piecesOf(text) {
  const pieces = [];
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString && c === '\\') i++;
    else if (c === '"') inString = !inString;
    else if (c === ',' && !inString) {
      pieces.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  pieces.push(text.slice(start));
  return pieces;
}

/** An answer as comment lines: headers one a line, the body wrapped after commas. */
function asComments(output) {
  const out = [];
  let body = output.replace(/\r/g, '');
  if (/^HTTP\/[\d.]+ \d+/.test(body)) {
    const [head, ...rest] = body.split('\n\n');
    const [status, ...headers] = head.split('\n');
    out.push(status.trim(), ...headers.filter((h) => SHOWN_HEADERS.test(h)));
    body = rest.join('\n\n');
  }
  for (const paragraph of body.trim().split('\n')) {
    let line = '';
    for (const piece of piecesOf(paragraph)) {
      if (line && line.length + piece.length > WRAP_COLUMNS - 4) {
        out.push(line);
        line = ' ';
      }
      line += piece;
    }
    if (line.trim()) out.push(line);
  }
  return out.map((l) => `# ${l}`);
}

const state = baseArg ? null : mkdtempSync(join(tmpdir(), 'bharatbuild-examples-'));
const port = baseArg ? new URL(baseArg).port : await freePort();
const dev = baseArg ? null : await startService(state, port);
let exitCode = 0;
try {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    BASE: `http://127.0.0.1:${port}/api/v1`,
    // With --base, tokens are minted the way a reader does: from .dev.vars (npm run token).
    ...(baseArg ? {} : { JWT_SECRET: devVar('JWT_SECRET') }),
    SERVICE: devVar('SERVICE_TOKEN'),
    ADMIN: devVar('ADMIN_TOKEN'),
  };
  const token = (user) =>
    spawnSync(process.execPath, ['scripts/token.mjs', user], { env, encoding: 'utf8' }).stdout.trim();
  env.USER_JWT = token('alice');
  env.BOB_JWT = token('bob');

  const original = readFileSync(DOC, 'utf8');
  const lines = original.split('\n');
  const commands = commandsOf(lines);
  const answers = commands.map((command) => {
    const run = spawnSync('bash', ['-c', command.text], { env, encoding: 'utf8', timeout: 30_000 });
    if (run.status !== 0) throw new Error(`failed (exit ${run.status}): ${command.text}\n${run.stderr}`);
    return asComments(normalise(run.stdout, port));
  });
  // Rewrite from the last command up, so earlier line numbers stay valid.
  for (let k = commands.length - 1; k >= 0; k--) {
    const { commandEnd, end } = commands[k];
    lines.splice(commandEnd, end - commandEnd, ...answers[k]);
  }
  const updated = lines.join('\n');
  if (check) {
    if (updated !== original) {
      console.error(`${DOC} differs from a fresh replay: run \`npm run examples\` and review the diff.`);
      exitCode = 1;
    } else console.log(`${DOC}: all ${commands.length} examples replay as printed.`);
  } else {
    writeFileSync(DOC, updated);
    console.log(`${DOC}: ${commands.length} examples replayed; answers written.`);
  }
} finally {
  if (dev) {
    process.kill(-dev.pid, 'SIGTERM');
    await new Promise((r) => dev.once('exit', r));
    rmSync(state, { recursive: true, force: true });
  }
}
process.exit(exitCode);
