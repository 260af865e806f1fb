import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig, type Plugin } from 'vitest/config';
import { fakeOutbound } from './test/support/fakes/outbound.ts';
import { FAKE_STRIPE_HOST } from './test/support/fakes/stripeApiKnobs.ts';

// The config runs in Node; the project's types are the Workers runtime's, which have no `process`.
const nodeEnv = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;

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

// Two projects: the pure core (ledger rules, account decisions) in plain Node, where property
// tests run thousands of cases fast; everything else inside the real Workers runtime.
export default defineConfig(async () => ({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        plugins: [
          stripeSourceMaps,
          cloudflareTest({
            main: './src/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ...TEST_SECRETS,
                STRIPE_API_BASE: `http://${FAKE_STRIPE_HOST}`,
                TEST_MIGRATIONS: await readD1Migrations('./migrations'),
                TEST_SEED: await readD1Migrations('./seed'),
                // Runs of the random-sequence property test; FC_RUNS=200 npm test searches longer.
                FC_RUNS: nodeEnv.FC_RUNS ?? '30',
              },
              // Every outbound fetch goes to a fake (Stripe, Anthropic): tests never reach the network.
              outboundService: fakeOutbound,
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          setupFiles: ['./test/support/setup.ts'],
        },
      },
    ],
  },
}));
