import { applyD1Migrations, env } from 'cloudflare:test';

// Each test file starts with empty storage: build the catalog the way `npm start` does.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await applyD1Migrations(env.DB, env.TEST_SEED, 'd1_seeds');
