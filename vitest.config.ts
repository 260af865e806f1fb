import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { defineConfig, type Plugin } from 'vitest/config';
import { fakeOutbound } from './test/support/fakes/outbound.ts';
import { FAKE_STRIPE_HOST } from './test/support/fakes/stripeApiKnobs.ts';

// The config runs in Node; the project's types are the Workers runtime's, which have no `process`:
// name what is used here.
interface WritableOutput {
  write(chunk: unknown, ...rest: unknown[]): boolean;
}
declare const process: { env: Record<string, string | undefined>; stdout: WritableOutput; stderr: WritableOutput };
const nodeEnv = process.env;

// Secrets the tests sign with; never used outside the test runtime.
export const TEST_SECRETS = {
  JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789abcdef',
  SERVICE_TOKEN: 'test-service-token',
  ADMIN_TOKEN: 'test-admin-token',
  STRIPE_SECRET_KEY: 'sk_test_fake_0123456789',
  STRIPE_WEBHOOK_SECRET: 'whsec_test_0123456789abcdef0123456789abcdef',
};

// stripe's published .js files name source maps it does not ship: strip the comments so Vite
// does not print ~200 warnings about them (other warnings still show).
const stripeSourceMaps: Plugin = {
  name: 'strip-stripe-source-map-comments',
  enforce: 'pre',
  async load(id) {
    const path = id.split('?')[0]!;
    if (!/[\\/]node_modules[\\/]stripe[\\/].*\.js$/.test(path)) return null;
    const code = await this.fs.readFile(path, { encoding: 'utf8' });
    return code.replace(/^\/\/# sourceMappingURL=.*$/gm, '');
  },
};

// The Worker's bindings as wrangler.toml declares them, read here rather than by the pool so that a
// developer's .dev.vars (or .env) never reaches the tests: wrangler reads those only when it is given
// no env files, and this one does not exist. TEST_SECRETS stand in for the secrets.
// (`envFiles` is accepted by wrangler 4.86 but missing from its public type.)
const NO_ENV_FILE = './test/.no-env-file';
const { workerOptions } = unstable_getMiniflareWorkerOptions('./wrangler.toml', undefined, {
  envFiles: [NO_ENV_FILE],
} as Parameters<typeof unstable_getMiniflareWorkerOptions>[2]);

// Expected noise a passing run would otherwise print. Set TEST_LOGS=1 to see all of it.
const showLogs = Boolean(nodeEnv.TEST_LOGS);
// The service's one-line JSON logs (ignored webhooks, Stripe refusals, the 500s that fault-injection
// tests cause): the tests assert on the responses.
const isServiceLog = (line: string) => line.startsWith('{"level":');
// Printed by workerd through the pool straight to stdout (not console.*, so onConsoleLog cannot see
// them): the pool's WebSocket to a test file's runner closing when the file is done, and the
// exception test/workers/promo/recovery.test.ts injects into an object, which workerd reports as uncaught
// besides handing it to the caller (who answers 500, as that test expects).
const runtimeNoise = [/disconnected: WebSocket peer disconnected/, /^uncaught exception;.*Error: injected fault: /];
if (!showLogs) {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk, ...rest) =>
      typeof chunk === 'string' && runtimeNoise.some((re) => re.test(chunk)) ? true : write(chunk, ...rest);
  }
}

// Two projects: the pure core (ledger rules, account decisions) in plain Node, where property
// tests run thousands of cases fast; everything else inside the real Workers runtime.
export default defineConfig(async () => ({
  test: {
    onConsoleLog: (log: string) => (showLogs || !isServiceLog(log) ? undefined : false),
    // Dots while running, then the summary (and every failure in full); `--reporter=default` lists files.
    reporters: ['dot'],
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        plugins: [
          stripeSourceMaps,
          cloudflareTest({
            main: './src/index.ts',
            miniflare: {
              ...workerOptions,
              bindings: {
                ...workerOptions.bindings,
                ...TEST_SECRETS,
                // The tests run the development rules; a test of the production ones sets ENVIRONMENT itself.
                ENVIRONMENT: 'development',
                STRIPE_API_BASE: `http://${FAKE_STRIPE_HOST}`,
                TEST_MIGRATIONS: await readD1Migrations('./migrations'),
                TEST_SEED: await readD1Migrations('./seed'),
                // Runs of the random-sequence property test; FC_RUNS=200 npm test searches longer.
                FC_RUNS: nodeEnv.FC_RUNS ?? '30',
              },
              // Every outbound fetch goes to a fake (Stripe, Anthropic, an identity provider): tests never reach the network.
              outboundService: fakeOutbound,
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          setupFiles: ['./test/support/setup.ts'],
          // Races of hundreds of requests take seconds on a loaded 2-core machine; a hang still fails.
          testTimeout: 30_000,
        },
      },
    ],
  },
}));
