// A D1 outage inside one user's object: its binding swapped for one that fails every call (a fake
// standing in for the outage), and the isolate's cached catalog dropped, so the next read tries D1.
import { runInDurableObject } from 'cloudflare:test';
import { invalidateCatalog } from '../../src/account/stores/catalogCache';
import type { AccountStub } from './helpers';

const failingD1 = new Proxy({} as D1Database, {
  get: () => () => {
    throw new Error('D1 is down (fake outage)');
  },
});

/** Swap the object's D1 binding for one that fails, and drop the isolate's cached catalog. */
export async function breakD1(stub: AccountStub): Promise<() => Promise<void>> {
  let original: D1Database | undefined;
  await runInDurableObject(stub, (instance) => {
    const env = (instance as unknown as { env: { DB: D1Database } }).env;
    original = env.DB;
    env.DB = failingD1;
    invalidateCatalog();
  });
  return () =>
    runInDurableObject(stub, (instance) => {
      (instance as unknown as { env: { DB: D1Database } }).env.DB = original!;
      invalidateCatalog();
    });
}
