import { z } from 'zod';
import { CATALOG_TTL_MS } from '../../money/limits';
import type { ModelPrice } from '../../money/cost';

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

/** One of the agents a project runs, with what one run is expected to consume. */
export interface Agent {
  id: string;
  name: string;
  sortOrder: number;
  estimatedInputTokens: number;
  estimatedOutputTokens: number;
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
  /** Active agents, in the order a project runs them. */
  agents: Agent[];
  /** Paise per US dollar (8300 = ₹83.00). */
  usdInrPaise: number;
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

let version = 0;

/** Forget the cached catalog so the next request reads D1 (called after admin changes). */
export function invalidateCatalog(): void {
  cached = undefined;
  version++;
}

/** Bumped by every invalidation: a copy kept elsewhere in this isolate knows it is out of date. */
export function catalogVersion(): number {
  return version;
}

async function loadCatalog(db: D1Database): Promise<Catalog> {
  const [models, plans, packages, settings, agents] = await db.batch([
    db.prepare('SELECT * FROM models WHERE active = 1'),
    db.prepare('SELECT * FROM plans ORDER BY sort_order, id'),
    db.prepare('SELECT * FROM packages WHERE active = 1 ORDER BY sort_order, id'),
    db.prepare("SELECT value FROM settings WHERE key = 'usd_inr_paise'"),
    db.prepare('SELECT * FROM agents WHERE active = 1 ORDER BY sort_order, id'),
  ]);
  const rate = Number((settings?.results[0] as { value?: string } | undefined)?.value);
  if (!Number.isSafeInteger(rate) || rate <= 0)
    throw new Error('catalog: settings.usd_inr_paise is missing or invalid');
  return {
    models: new Map(rowsOf(modelRow, models, 'models').map((r) => [r.id, toModel(r)])),
    plans: new Map(rowsOf(planRow, plans, 'plans').map((r) => [r.id, toPlan(r)])),
    packages: rowsOf(packageRow, packages, 'packages').map(toPackage),
    agents: rowsOf(agentRow, agents, 'agents').map(toAgent),
    usdInrPaise: rate,
  };
}

// D1 rows are parsed, not cast: a bad row is a loud error, never a NaN price.
const modelRow = z.object({
  id: z.string(),
  name: z.string(),
  input_usd_micros_per_mtok: z.number().int(),
  output_usd_micros_per_mtok: z.number().int(),
});
const planRow = z.object({
  id: z.string(),
  name: z.string(),
  tokens_per_month: z.number().int(),
  rollover_cap_tokens: z.number().int(),
  price_paise: z.number().int(),
  max_tokens_per_request: z.number().int(),
  max_requests_per_day: z.number().int(),
  features: z.string(),
  active: z.number(),
});
const packageRow = z.object({
  id: z.string(),
  name: z.string(),
  tokens: z.number().int(),
  price_paise: z.number().int(),
  validity_months: z.number().int(),
  popular: z.number(),
  features: z.string(),
});
const agentRow = z.object({
  id: z.string(),
  name: z.string(),
  sort_order: z.number().int(),
  est_input_tokens: z.number().int().min(0),
  est_output_tokens: z.number().int().min(0),
});
const features = z.array(z.string());

function rowsOf<T extends z.ZodType>(schema: T, result: D1Result | undefined, table: string): z.infer<T>[] {
  return (result?.results ?? []).map((row) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) throw new Error(`catalog: a row of ${table} is malformed: ${parsed.error.message}`);
    return parsed.data;
  });
}

function toModel(r: z.infer<typeof modelRow>): Model {
  return {
    id: r.id,
    name: r.name,
    inputUsdMicrosPerMTok: r.input_usd_micros_per_mtok,
    outputUsdMicrosPerMTok: r.output_usd_micros_per_mtok,
  };
}

function toPlan(r: z.infer<typeof planRow>): Plan {
  return {
    id: r.id,
    name: r.name,
    tokensPerMonth: r.tokens_per_month,
    rolloverCapTokens: r.rollover_cap_tokens,
    pricePaise: r.price_paise,
    maxTokensPerRequest: r.max_tokens_per_request,
    maxRequestsPerDay: r.max_requests_per_day,
    features: features.parse(JSON.parse(r.features)),
    active: r.active === 1,
  };
}

function toPackage(r: z.infer<typeof packageRow>): TokenPackage {
  return {
    id: r.id,
    name: r.name,
    tokens: r.tokens,
    pricePaise: r.price_paise,
    validityMonths: r.validity_months,
    popular: r.popular === 1,
    features: features.parse(JSON.parse(r.features)),
  };
}

function toAgent(r: z.infer<typeof agentRow>): Agent {
  return {
    id: r.id,
    name: r.name,
    sortOrder: r.sort_order,
    estimatedInputTokens: r.est_input_tokens,
    estimatedOutputTokens: r.est_output_tokens,
  };
}
