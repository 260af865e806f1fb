// `npm start`: everything a fresh clone needs, offline, then wrangler dev on 127.0.0.1:8787.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { wranglerBin, wranglerEnv } from './wrangler-env.mjs';

const port = process.env.PORT ?? '8787';

function run(args) {
  const result = spawnSync(wranglerBin, args, { stdio: 'inherit', env: wranglerEnv });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars');
  console.log('Created .dev.vars from .dev.vars.example (development secrets).');
}
run(['d1', 'migrations', 'apply', 'DB', '--local']);
for (const file of readdirSync('seed')
  .filter((f) => f.endsWith('.sql'))
  .sort()) {
  run(['d1', 'execute', 'DB', '--local', '--file', `seed/${file}`]);
}

const dev = spawn(wranglerBin, ['dev', '--ip', '127.0.0.1', '--port', port, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: wranglerEnv,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));
