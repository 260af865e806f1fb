import type { D1Migration } from 'cloudflare:test';

declare global {
  namespace Cloudflare {
    interface Env {
      /** migrations/, read by vitest.config.ts and applied by test/support/setup.ts. */
      TEST_MIGRATIONS: D1Migration[];
      /** seed/ (development-only catalog rows), applied after the migrations. */
      TEST_SEED: D1Migration[];
      /** Runs of the random-sequence property test (vitest.config.ts). */
      FC_RUNS: string;
    }
  }
}
