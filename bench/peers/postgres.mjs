// A throwaway PostgreSQL cluster for the peer: Debian's binaries, a fresh data directory under the
// system's temporary directory, Unix socket only (no TCP listener at all), durable commits
// (fsync and synchronous_commit on, the defaults, set explicitly). `stop()` shuts it down and
// deletes the directory. When this process runs as root, PostgreSQL runs as the `postgres` user
// (initdb refuses root); otherwise as the current user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

const DEBIAN_ROOT = '/usr/lib/postgresql';
// The system's temporary directory as it was when this module loaded: bench/service.mjs later points
// TMPDIR into the service's own state directory, which it deletes before the peer has stopped.
const SYSTEM_TMPDIR = os.tmpdir();
export const POSTGRES_INSTALL_HINT =
  'PostgreSQL was not found under /usr/lib/postgresql/*/bin. On Debian or Ubuntu: `apt-get install -y postgresql` (as root).';

/** Settings every bench cluster runs with: the durability a ledger needs, nothing tuned away. */
const SERVER_SETTINGS = {
  listen_addresses: "''",
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  max_connections: '100',
};

/** The newest Debian PostgreSQL bin directory, or undefined when none is installed. */
export function postgresBinDir() {
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((v) => existsSync(join(DEBIAN_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(DEBIAN_ROOT, versions[0], 'bin') : undefined;
}

function postgresUser() {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Start a cluster; resolves to `{ socketDir, port, version, postmasterPid, stop() }`. The port only
 * names the socket file (`<socketDir>/.s.PGSQL.<port>`): nothing listens on TCP.
 */
export function startPostgres({ port = 54_000 + Math.floor(Math.random() * 1_000) } = {}) {
  const bin = postgresBinDir();
  if (!bin) throw new Error(POSTGRES_INSTALL_HINT);
  const user = postgresUser();
  const dir = mkdtempSync(join(SYSTEM_TMPDIR, 'bench-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const run = (tool, args) => {
    const result = spawnSync(join(bin, tool), args, { ...user, cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${tool} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };
  const stop = () => {
    if (existsSync(join(data, 'postmaster.pid'))) {
      spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], { ...user, cwd: dir, stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // --no-sync only skips flushing the freshly created catalog files; the server itself syncs.
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const settings = Object.entries(SERVER_SETTINGS).map(([k, v]) => `-c ${k}=${v}`);
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-o',
      [`-p ${port}`, `-k ${dir}`, ...settings].join(' '),
      'start',
    ]);
    const postmasterPid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const version = run('postgres', ['--version']).trim();
    return { socketDir: dir, port, version, postmasterPid, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
