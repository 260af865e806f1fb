// The service under test: the production bundle (`wrangler deploy --dry-run`) and the bench-only
// bundle (bench/worker.ts), run by one Miniflare on 127.0.0.1 with a fresh D1 (migrations + seed)
// and throwaway secrets. Everything it starts is stopped by `stop()`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tmp = join(root, 'bench/.tmp');
const wranglerBin = join(root, 'node_modules/.bin/wrangler');
export const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
Object.assign(process.env, wranglerEnv);

// Imported after the environment is set, so neither sends telemetry or looks for the network.
const { Miniflare } = await import('miniflare');
const { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } = await import('wrangler');

/** Bundle one Worker the way `npm run build` does; returns the entry module's path. */
function bundle(configPath, outdir) {
  rmSync(outdir, { recursive: true, force: true });
  const result = spawnSync(wranglerBin, ['deploy', '--dry-run', '--config', configPath, '--outdir', outdir], { env: wranglerEnv, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${result.stdout}\n${result.stderr}`);
  const entry = readdirSync(outdir).find((f) => f.endsWith('.js'));
  if (!entry) throw new Error(`no bundle in ${outdir}`);
  return join(outdir, entry);
}

/** Statements of every .sql file in `dir`, in file-name order (wrangler's own splitter). */
function sqlStatements(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((f) => unstable_splitSqlQuery(readFileSync(join(dir, f), 'utf8')));
}

/** The ids of workerd processes this Node process started (Miniflare's runtime). */
function workerdPids() {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
      const ppid = Number(rest?.split(' ')[1]);
      if (comm === 'workerd' && ppid === process.pid) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/**
 * Start the service. `extraSql` runs after the migrations and the seed (bench-only catalog rows).
 * Returns the base URL, secrets, helpers and `stop()`.
 */
export async function startService({ extraSql = [], ephemeral = false, storagePath, inspectorPort } = {}) {
  mkdirSync(tmp, { recursive: true });
  const apiScript = bundle(join(root, 'wrangler.toml'), join(tmp, 'api'));
  const benchScript = bundle(join(root, 'bench/wrangler.toml'), join(tmp, 'bench'));
  const secrets = {
    JWT_SECRET: randomBytes(32).toString('hex'),
    SERVICE_TOKEN: randomBytes(16).toString('hex'),
    ADMIN_TOKEN: randomBytes(16).toString('hex'),
  };
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));
  const d1 = workerOptions.d1Databases;
  const mf = new Miniflare({
    ...(storagePath && { durableObjectsPersist: join(storagePath, 'do'), d1Persist: join(storagePath, 'd1') }),
    host: '127.0.0.1',
    port: 0,
    inspectorPort,
    workers: [
      {
        ...workerOptions,
        name: 'api',
        modules: true,
        unsafeEphemeralDurableObjects: ephemeral,
        scriptPath: apiScript,
        bindings: { ...workerOptions.bindings, ...secrets },
      },
      {
        name: 'bench',
        modules: true,
        unsafeEphemeralDurableObjects: ephemeral,
        scriptPath: benchScript,
        compatibilityDate: workerOptions.compatibilityDate,
        compatibilityFlags: workerOptions.compatibilityFlags,
        d1Databases: d1,
        durableObjects: {
          BENCH_ACCOUNT: { className: 'BenchAccount', useSQLite: true },
          USER_ACCOUNT: { className: 'UserAccount', scriptName: 'api', useSQLite: true },
        },
      },
    ],
  });
  const stop = () => mf.dispose();
  try {
    const url = await mf.ready;
    const db = await mf.getD1Database('DB', 'api');
    const statements = [...sqlStatements(join(root, 'migrations')), ...sqlStatements(join(root, 'seed')), ...extraSql];
    await db.batch(statements.map((s) => db.prepare(s)));
    const benchWorker = await mf.getWorker('bench');
    const pids = workerdPids();
    return {
      url: url.origin,
      secrets,
      pids,
      /** Send one command to bench/worker.ts and return its JSON answer. */
      async bench(command) {
        const response = await benchWorker.fetch('http://bench/', { method: 'POST', body: JSON.stringify(command) });
        const text = await response.text();
        if (!response.ok) throw new Error(`bench ${command.op}: ${response.status} ${text}`);
        return JSON.parse(text);
      },
      /** Resident memory of the runtime (every workerd process Miniflare started), in bytes. */
      rssBytes() {
        let total = 0;
        for (const pid of pids) {
          const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
          total += Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
        }
        return total;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
