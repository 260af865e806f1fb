import { CATALOG_TTL_MS } from '../limits';
import type { ModelPrice } from '../ledger/cost';

export interface Model extends ModelPrice {
  id: string;
  name: string;
}

export interface Plan {
  id: string;
  name: string;
  tokensPerMonth: number;
  rolloverCapTokens: number;
  pricePaise: number;
  maxTokensPerRequest: number;
  maxRequestsPerDay: number;
  features: string[];
  /** Inactive plans are no longer sold, but users already on one keep its terms. */
  active: boolean;
}

export interface TokenPackage {
  id: string;
  name: string;
  tokens: number;
  pricePaise: number;
  validityMonths: number;
  popular: boolean;
  features: string[];
}

/** What every request may need from D1, read together and kept in memory for CATALOG_TTL_MS. */
export interface Catalog {
  models: Map<string, Model>;
  /** Every plan, sold or not: a user on a retired plan keeps its terms. */
  plans: Map<string, Plan>;
  packages: TokenPackage[];
  /** Paise per US dollar (8300 = ₹83.00). */
  usdInrPaise: number;
}

export const DEFAULT_PLAN_ID = 'free';

/** The terms of `planId`, or the default plan's when that plan no longer exists. */
export function planFor(catalog: Catalog, planId: string): Plan {
  const plan = catalog.plans.get(planId) ?? catalog.plans.get(DEFAULT_PLAN_ID);
  if (!plan) throw new Error(`catalog: default plan '${DEFAULT_PLAN_ID}' is missing`);
  return plan;
}

let cached: { catalog: Promise<Catalog>; loadedAt: number } | undefined;

/**
 * The catalog, from memory when fresh. Concurrent callers share one D1 read. Prices already
 * charged live in each ledger row, so a change here never rewrites history.
 */
export function getCatalog(db: D1Database, now = Date.now()): Promise<Catalog> {
  if (cached && now - cached.loadedAt < CATALOG_TTL_MS) return cached.catalog;
  const catalog = loadCatalog(db);
  const entry = { catalog, loadedAt: now };
  cached = entry;
  catalog.catch(() => {
    if (cached === entry) cached = undefined;
  });
  return catalog;
}

/** Forget the cached catalog so the next request reads D1 (called after admin changes). */
export function invalidateCatalog(): void {
  cached = undefined;
}

async function loadCatalog(db: D1Database): Promise<Catalog> {
  const [models, plans, packages, settings] = await db.batch([
    db.prepare('SELECT * FROM models WHERE active = 1'),
    db.prepare('SELECT * FROM plans ORDER BY sort_order, id'),
    db.prepare('SELECT * FROM packages WHERE active = 1 ORDER BY sort_order, id'),
    db.prepare("SELECT value FROM settings WHERE key = 'usd_inr_paise'"),
  ]);
  const rate = Number((settings?.results[0] as { value?: string } | undefined)?.value);
  if (!Number.isSafeInteger(rate) || rate <= 0)
    throw new Error('catalog: settings.usd_inr_paise is missing or invalid');
  return {
    models: new Map(rowsOf(models).map((r) => [String(r.id), toModel(r)])),
    plans: new Map(rowsOf(plans).map((r) => [String(r.id), toPlan(r)])),
    packages: rowsOf(packages).map(toPackage),
    usdInrPaise: rate,
  };
}

type Row = Record<string, unknown>;

function rowsOf(result: D1Result | undefined): Row[] {
  return (result?.results ?? []) as Row[];
}

function toModel(r: Row): Model {
  return {
    id: String(r.id),
    name: String(r.name),
    inputUsdMicrosPerMTok: Number(r.input_usd_micros_per_mtok),
    outputUsdMicrosPerMTok: Number(r.output_usd_micros_per_mtok),
  };
}

function toPlan(r: Row): Plan {
  return {
    id: String(r.id),
    name: String(r.name),
    tokensPerMonth: Number(r.tokens_per_month),
    rolloverCapTokens: Number(r.rollover_cap_tokens),
    pricePaise: Number(r.price_paise),
    maxTokensPerRequest: Number(r.max_tokens_per_request),
    maxRequestsPerDay: Number(r.max_requests_per_day),
    features: JSON.parse(String(r.features)) as string[],
    active: r.active === 1,
  };
}

function toPackage(r: Row): TokenPackage {
  return {
    id: String(r.id),
    name: String(r.name),
    tokens: Number(r.tokens),
    pricePaise: Number(r.price_paise),
    validityMonths: Number(r.validity_months),
    popular: r.popular === 1,
    features: JSON.parse(String(r.features)) as string[],
  };
}
