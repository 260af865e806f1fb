// The ledger as clients read it: snake_case fields, ISO times, exact integers beside decimals.
import type { Balance, Transaction } from '../../account/contract/rpc';
import type { Grant } from '../../money/grant';

const USD_MICROS_PER_USD = 1_000_000;
const PAISE_PER_RUPEE = 100;

export function iso(at: number): string {
  return new Date(at).toISOString();
}

export function presentGrant(g: Grant) {
  return {
    id: g.id,
    source: g.source,
    amount: g.amount,
    remaining: g.remaining,
    expires_at: g.expiresAt === null ? null : iso(g.expiresAt),
    created_at: iso(g.createdAt),
  };
}

/** One ledger row: the list fields first, then the detail. */
export function presentTransaction(tx: Transaction) {
  return {
    id: tx.seq,
    type: tx.type,
    tokens: tx.tokens,
    description: tx.description ?? defaultDescription(tx),
    agent: tx.agent,
    timestamp: iso(tx.at),
    tokens_before: tx.tokensBefore,
    tokens_after: tx.tokensAfter,
    model: tx.model,
    input_tokens: tx.inputTokens,
    output_tokens: tx.outputTokens,
    estimated_cost_usd_micros: tx.costUsdMicros,
    estimated_cost_inr_paise: tx.costInrPaise,
    grants: tx.movements.map((m) => ({ grant_id: m.grantId, tokens: m.tokens })),
    ...(tx.detail === null ? {} : { detail: tx.detail }),
  };
}

// Usage rows store no description unless the caller sent one: it would be the same words on
// every row, and the log is the largest thing an account keeps.
function defaultDescription(tx: Transaction): string {
  if (tx.type === 'usage') return `Token usage for ${tx.agent ?? 'unknown'} agent${tx.model ? ` (${tx.model})` : ''}`;
  return tx.type;
}

/** A usage record's answer: the transaction-recording fields, with exact integer costs beside the decimals. */
export function presentUsage(tx: Transaction, replayed: boolean) {
  const costUsdMicros = tx.costUsdMicros ?? 0;
  const costInrPaise = tx.costInrPaise ?? 0;
  return {
    transaction_id: tx.seq,
    transaction_type: tx.type,
    tokens_charged: -tx.tokens,
    tokens_before: tx.tokensBefore,
    tokens_changed: tx.tokens,
    tokens_after: tx.tokensAfter,
    remaining_tokens: tx.tokensAfter,
    agent_type: tx.agent,
    model_used: tx.model,
    input_tokens: tx.inputTokens,
    output_tokens: tx.outputTokens,
    estimated_cost_usd_micros: costUsdMicros,
    estimated_cost_inr_paise: costInrPaise,
    estimated_cost: money(costUsdMicros, costInrPaise),
    paid_from: tx.movements.map((m) => ({ grant_id: m.grantId, tokens: -m.tokens })),
    timestamp: iso(tx.at),
    replayed,
  };
}

export function money(usdMicros: number, inrPaise: number) {
  return { usd: usdMicros / USD_MICROS_PER_USD, inr: inrPaise / PAISE_PER_RUPEE };
}

/** `GET /tokens/balance`, field for field as clients know it. */
export function presentBalance(b: Balance) {
  const monthlyUsed = b.monthlyAllowance - b.monthlyRemaining;
  return {
    total_tokens: b.creditedTokens,
    used_tokens: b.spentTokens,
    remaining_tokens: b.remainingTokens,
    held_tokens: b.heldTokens,
    monthly_allowance: b.monthlyAllowance,
    monthly_used: monthlyUsed,
    monthly_remaining: b.monthlyRemaining,
    monthly_used_percentage: b.monthlyAllowance === 0 ? 0 : Math.round((monthlyUsed * 1000) / b.monthlyAllowance) / 10,
    premium_tokens: b.premiumTokens,
    premium_remaining: b.premiumRemaining,
    rollover_tokens: b.rolloverTokens,
    month_reset_date: iso(b.monthResetAt),
    total_requests: b.totalRequests,
    requests_today: b.requestsToday,
    last_request_at: b.lastRequestAt === null ? null : iso(b.lastRequestAt),
  };
}
