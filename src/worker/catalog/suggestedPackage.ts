// The package a 402 (insufficient tokens) suggests: the cheapest one that covers the shortfall. It is
// read from the D1 catalog (through its in-memory cache) only when a refusal needs it, never on the
// way to a charge.
import { getCatalog } from '../../account/stores/catalogCache';
import type { Env } from '../../env';
import { presentPackage } from '../present/catalog';

/** The cheapest package of at least `neededTokens`, presented; null when none does or the catalog cannot be read. */
export async function suggestedPackageFor(env: Env, neededTokens: number) {
  const catalog = await getCatalog(env.DB).catch(() => undefined);
  const covering = catalog?.packages
    .filter((p) => p.tokens >= neededTokens)
    .sort((a, b) => a.pricePaise - b.pricePaise)[0];
  return covering ? presentPackage(covering) : null;
}
