// The service under test: the production bundle (`wrangler deploy --dry-run`) and the bench-only
// bundle (bench/worker.ts), run by one Miniflare on 127.0.0.1 with a fresh D1 (migrations + seed)
// and throwaway secrets. Everything it starts is stopped by `stop()`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tmp = join(root, 'bench/.tmp');
/** Bundles, D1 and Durable Object files: in the worktree, all removed at stop (Miniflare's own temp dir is removed asynchronously). */
const state = join(tmp, 'state');
const wranglerBin = join(root, 'node_modules/.bin/wrangler');
// Miniflare's own scratch directory goes under TMPDIR and is removed only asynchronously after
// dispose(), so point it inside bench/.tmp/state, which stop() removes.
mkdirSync(join(state, 'os-tmp'), { recursive: true });
const wranglerEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  TMPDIR: join(state, 'os-tmp'),
};
Object.assign(process.env, wranglerEnv);

// Imported after the environment is set, so neither sends telemetry or looks for the network.
const { Miniflare } = await import('miniflare');
const { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } = await import('wrangler');

/** Bundle one Worker the way `npm run build` does; returns the entry module's path. */
function bundle(configPath, outdir) {
  rmSync(outdir, { recursive: true, force: true });
  const result = spawnSync(wranglerBin, ['deploy', '--dry-run', '--config', configPath, '--outdir', outdir], {
    env: wranglerEnv,
    encoding: 'utf8',
  });
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
export async function startService({ extraSql = [], inspectorPort, countedAccounts = false } = {}) {
  for (const dir of ['do', 'd1']) rmSync(join(state, dir), { recursive: true, force: true });
  const apiScript = bundle(join(root, 'wrangler.toml'), join(tmp, 'api'));
  const benchScript = bundle(join(root, 'bench/wrangler.toml'), join(tmp, 'bench'));
  const secrets = {
    JWT_SECRET: randomBytes(32).toString('hex'),
    SERVICE_TOKEN: randomBytes(16).toString('hex'),
    ADMIN_TOKEN: randomBytes(16).toString('hex'),
  };
  // The dashboard's static assets are left out. With them, Miniflare puts its asset router (a Worker
  // of its own, in the same thread) in front of every request; on Cloudflare, /api/* reaches the
  // Worker first (`run_worker_first`) and that routing is the platform's, not the Worker's CPU.
  const { assets: _assets, ...workerOptions } = unstable_getMiniflareWorkerOptions(
    join(root, 'wrangler.toml'),
  ).workerOptions;
  const d1 = workerOptions.d1Databases;
  const mf = new Miniflare({
    durableObjectsPersist: join(state, 'do'),
    d1Persist: join(state, 'd1'),
    host: '127.0.0.1',
    port: 0,
    inspectorPort,
    workers: [
      {
        ...workerOptions,
        name: 'api',
        modules: true,
        // Served on its own socket: Miniflare's entry worker (host routing, the `cf` object, dev error
        // pages) is a dev-server hop that production does not have, and it costs as much as the object floor.
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
        scriptPath: apiScript,
        // Production settings, with the local deterministic runner named: project runs call no model.
        bindings: { ...workerOptions.bindings, ...secrets, MODEL_RUNNER: 'local' },
        // The cost run (bench/cost.mjs): the service's routes reach the same UserAccount code with
        // billing counters around it (bench/countedAccount.ts), in the bench's script.
        ...(countedAccounts && {
          durableObjects: {
            ...workerOptions.durableObjects,
            USER_ACCOUNT: { className: 'CountedAccount', scriptName: 'bench', useSQLite: true },
          },
        }),
      },
      {
        name: 'bench',
        modules: true,
        // The object-floor route (bench/worker.ts) is reached over HTTP like the service's routes, on its own socket.
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
        bindings: { SERVICE_TOKEN: secrets.SERVICE_TOKEN },
        scriptPath: benchScript,
        compatibilityDate: workerOptions.compatibilityDate,
        compatibilityFlags: workerOptions.compatibilityFlags,
        d1Databases: d1,
        durableObjects: {
          BENCH_ACCOUNT: { className: 'BenchAccount', useSQLite: true },
          BARE_OBJECT: { className: 'BareObject', useSQLite: true },
          USER_ACCOUNT: { className: 'UserAccount', scriptName: 'api', useSQLite: true },
          COUNTED_ACCOUNT: { className: 'CountedAccount', useSQLite: true },
        },
      },
    ],
  });
  const stop = async () => {
    await mf.dispose();
    // The bundles too: nothing of a run stays in the tree (and eslint would read the bundled .js).
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    await mf.ready;
    const url = await mf.unsafeGetDirectURL('api');
    const floorUrl = await mf.unsafeGetDirectURL('bench');
    const db = await mf.getD1Database('DB', 'api');
    const statements = [...sqlStatements(join(root, 'migrations')), ...sqlStatements(join(root, 'seed')), ...extraSql];
    await db.batch(statements.map((s) => db.prepare(s)));
    const benchWorker = await mf.getWorker('bench');
    const pids = workerdPids();
    return {
      url: url.origin,
      /** Where the floor routes of bench/worker.ts (the object floor, the write floor) answer. */
      floorUrl: floorUrl.origin,
      secrets,
      pids,
      /** Files workerd holds open: three per live SQLite object (database, WAL, shared memory) and a few of its own. */
      openFiles() {
        return pids.reduce((total, pid) => total + readdirSync(`/proc/${pid}/fd`).length, 0);
      },
      /** How many users whose names start with `prefix` have had analytics facts counted by D1 (a flush cursor). */
      async flushedUsers(prefix) {
        const row = await db
          .prepare('SELECT COUNT(*) AS n FROM analytics_user_flush WHERE user_id LIKE ?')
          .bind(`${prefix}%`)
          .first();
        return row.n;
      },
      /** How many users whose names start with `prefix` have flushed to D1 at or after `sinceMs` (epoch ms). */
      async flushedUsersSince(prefix, sinceMs) {
        const row = await db
          .prepare('SELECT COUNT(*) AS n FROM analytics_user_flush WHERE user_id LIKE ? AND flushed_at >= ?')
          .bind(`${prefix}%`, sinceMs)
          .first();
        return row.n;
      },
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
          const line = readFileSync(`/proc/${pid}/status`, 'utf8')
            .split('\n')
            .find((l) => l.startsWith('VmRSS:'));
          total += Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
        }
        return total;
      },
      stop,
      /** Synchronous, for the process's `exit` event: delete the bundles and the state (Miniflare's own exit hook ends workerd). */
      removeFilesNow() {
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
