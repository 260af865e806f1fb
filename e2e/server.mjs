// Starts the service the way `npm start` does (node scripts/start.mjs) on a free port, waits for
// it to answer, and stops it (its whole process group) at the end. E2E_BASE_URL points the tests
// at a server that is already running instead.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 120_000;
export const RUNNER_DELAY_MS = 150;

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * @param {string} logPath where the service's own output goes (wrangler, workerd, the Worker's logs)
 * @returns {Promise<{ baseUrl: string, stop: () => Promise<void> }>}
 */
export async function startService(logPath) {
  if (process.env.E2E_BASE_URL) return { baseUrl: process.env.E2E_BASE_URL.replace(/\/$/, ''), stop: async () => {} };
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const log = [];
  // Its own process group, so stopping it also stops wrangler and workerd under it.
  // Each local agent run waits a little, the way a model call takes time, so a project's progress
  // can be watched arriving agent by agent (docs/projects.md, "The event stream").
  const args = ['scripts/start.mjs', '--var', `LOCAL_RUNNER_DELAY_MS:${RUNNER_DELAY_MS}`];
  const child = spawn(process.execPath, args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), WRANGLER_SEND_METRICS: 'false', CI: 'true' },
  });
  const logFile = createWriteStream(logPath);
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => log.push(String(chunk)));
    stream.pipe(logFile, { end: false });
  }
  let exited = false;
  child.on('exit', (code, signal) => {
    exited = true;
    logFile.end(`\n[e2e] npm start exited: code ${code}, signal ${signal}\n`);
  });

  const stop = async () => {
    if (exited) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5_000);
    await once(child, 'exit').catch(() => {});
    clearTimeout(timer);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`npm start exited before it was ready:\n${log.join('')}`);
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok) return { baseUrl, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new Error(`the service was not ready within ${READY_TIMEOUT_MS} ms:\n${log.join('')}`);
}
