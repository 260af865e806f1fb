// The object's own copy of the model prices, the exchange rate and the active agent ids, so usage
// is priced and checked by the object (never by the caller) and without D1 on the hot path. Kept in memory and in the object's
// SQLite (it survives eviction); refreshed in the background once older than CATALOG_TTL_MS and
// served stale meanwhile. A refresh that finds the same prices writes nothing (a row written costs a
// thousand reads): the stored copy's age only decides that the first call after a wake checks D1. D1 is awaited only when the copy cannot answer: a brand-new object, a
// model the copy does not know, or a catalog change made in this same isolate (admin writes).
import { catalogVersion, type Catalog } from './catalogCache';
import type { ModelPrice } from '../../money/cost';
import { CATALOG_TTL_MS } from '../../money/limits';
import { catalogWithin } from './catalogLink';
import type { Sql } from './sql';

export interface Prices {
  models: Record<string, ModelPrice>;
  /** Paise per US dollar. */
  usdInrPaise: number;
  /** Ids of the active agents, in run order: usage naming another agent is refused. */
  agents: string[];
}

interface Copy {
  prices: Prices;
  /** When D1 last confirmed these prices (in memory; the stored row keeps when they were saved). */
  fetchedAt: number;
  version: number;
  /** The prices as stored, to tell a refresh that changed nothing. */
  saved: string;
}

export class PriceBook {
  private copy: Copy | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly sql: Sql,
    /** Read at each refresh: the binding may be swapped (tests fail it on purpose). */
    private readonly db: () => D1Database,
    private readonly waitUntil: (promise: Promise<unknown>) => void,
  ) {}

  /**
   * The prices to charge `model` with, or undefined when no copy has them and D1 cannot be read.
   * A model or an agent the copy does not know makes it read D1 first (it may have just been added).
   */
  async pricesFor(model: string, now: number, agent?: string): Promise<Prices | undefined> {
    this.copy ??= this.stored();
    const copy = this.copy;
    const unknownAgent = agent !== undefined && !copy?.prices.agents.includes(agent);
    if (!copy || !(model in copy.prices.models) || unknownAgent || copy.version !== catalogVersion()) {
      await this.refresh(now).catch(() => undefined);
      return this.copy?.prices;
    }
    if (now - copy.fetchedAt > CATALOG_TTL_MS) this.waitUntil(this.refresh(now).catch(() => undefined));
    return copy.prices;
  }

  private refresh(now: number): Promise<void> {
    this.refreshing ??= catalogWithin(this.db())
      .then((catalog) => this.keep(catalog, now))
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private keep(catalog: Catalog, now: number): void {
    const prices: Prices = {
      models: Object.fromEntries(
        [...catalog.models.values()].map((m) => [
          m.id,
          { inputUsdMicrosPerMTok: m.inputUsdMicrosPerMTok, outputUsdMicrosPerMTok: m.outputUsdMicrosPerMTok },
        ]),
      ),
      usdInrPaise: catalog.usdInrPaise,
      agents: catalog.agents.map((a) => a.id),
    };
    const saved = JSON.stringify(prices);
    const unchanged = this.copy?.saved === saved;
    this.copy = { prices, fetchedAt: now, version: catalogVersion(), saved };
    if (unchanged) return;
    this.sql.run(
      'price book save',
      `INSERT INTO price_book (id, prices, fetched_at) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET prices = excluded.prices, fetched_at = excluded.fetched_at`,
      saved,
      now,
    );
  }

  private stored(): Copy | undefined {
    const row = this.sql.first<{ prices: string; fetched_at: number }>(
      'price book load',
      'SELECT prices, fetched_at FROM price_book',
    );
    if (!row) return undefined;
    const prices = JSON.parse(row.prices) as Partial<Prices>;
    // A copy saved before agents were part of it is no copy: read D1 again.
    if (!prices.models || !prices.usdInrPaise || !Array.isArray(prices.agents)) return undefined;
    return { prices: prices as Prices, fetchedAt: row.fetched_at, version: catalogVersion(), saved: row.prices };
  }
}
