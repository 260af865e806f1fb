// How the object reads the shared catalog in D1: only where a decision needs it (opening an
// account, a reset, a plan change, a Stripe subscription), never for balance, history or usage, and
// always with a timeout, so a slow or absent D1 cannot hold an account hostage.
import { logLine, type Trace } from '../contract/logLine';
import { getCatalog, type Catalog, type Plan } from './catalogCache';
import { CATALOG_READ_TIMEOUT_MS, CATALOG_REQUIRED_TIMEOUT_MS } from '../../money/limits';
import type { PlanTerms } from '../contract/rpc';
import type { TargetPlan } from '../core/planChange';

function termsOf(plan: Plan): PlanTerms {
  return {
    id: plan.id,
    name: plan.name,
    tokensPerMonth: plan.tokensPerMonth,
    rolloverCapTokens: plan.rolloverCapTokens,
    maxTokensPerRequest: plan.maxTokensPerRequest,
    maxRequestsPerDay: plan.maxRequestsPerDay,
  };
}

/** The catalog, or a rejection after `timeoutMs`. */
export function catalogWithin(db: D1Database, timeoutMs = CATALOG_READ_TIMEOUT_MS): Promise<Catalog> {
  let timer: number | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`catalog: no answer from D1 in ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([getCatalog(db), timeout]).finally(() => timer !== null && clearTimeout(timer));
}

/** Plans by id as the core looks them up; empty when the catalog cannot be read (the caller decides what that means). */
export async function planLookup(
  db: D1Database,
  need: 'optional' | 'required',
  trace: Trace,
): Promise<{ plan: (id: string) => TargetPlan | undefined; read: boolean }> {
  try {
    const catalog = await catalogWithin(
      db,
      need === 'required' ? CATALOG_REQUIRED_TIMEOUT_MS : CATALOG_READ_TIMEOUT_MS,
    );
    return {
      read: true,
      plan: (id) => {
        const plan = catalog.plans.get(id);
        return plan ? { terms: termsOf(plan), active: plan.active } : undefined;
      },
    };
  } catch (error) {
    logLine('warn', 'catalog unreadable', trace, { error: String(error) });
    return { read: false, plan: () => undefined };
  }
}
