// Start the peer for a bench run: a throwaway PostgreSQL cluster and the Node server in front of
// it (a child process, so its CPU time is its own). `stop()` ends both and deletes the cluster.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { POSTGRES_INSTALL_HINT, postgresBinDir, startPostgres } from './postgres.mjs';

export { POSTGRES_INSTALL_HINT, postgresBinDir };

/** Resolves to `{ url, postgresVersion, poolMax, rootPids, stop(), stopNow() }`; throws when PostgreSQL is missing. */
export async function startPeer({ serviceToken, startTokens, poolMax = 32 }) {
  const postgres = startPostgres();
  let server;
  // Synchronous, for the process's `exit` event (Ctrl-C): end the server, stop and delete the cluster.
  const stopNow = () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    postgres.stop();
  };
  const stop = async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    postgres.stop();
  };
  try {
    server = spawn(process.execPath, [new URL('./pg-server.mjs', import.meta.url).pathname], {
      env: {
        ...process.env,
        PEER_PG_HOST: postgres.socketDir,
        PEER_PG_PORT: String(postgres.port),
        PEER_SERVICE_TOKEN: serviceToken,
        PEER_START_TOKENS: String(startTokens),
        PEER_POOL_MAX: String(poolMax),
        PEER_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: server.stdout });
    const first = await Promise.race([
      once(lines, 'line').then(([line]) => line),
      once(server, 'exit').then(([code]) => {
        throw new Error(`peer server exited (${code}) before listening`);
      }),
    ]);
    const { port } = JSON.parse(first);
    return {
      url: `http://127.0.0.1:${port}`,
      postgresVersion: postgres.version,
      poolMax,
      /** The processes whose CPU (with their children's) is the peer's: the Node server and the postmaster. */
      rootPids: [server.pid, postgres.postmasterPid],
      stop,
      stopNow,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
