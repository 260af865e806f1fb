// Turning stored rows into what clients read. Pure: rows in, plain objects out.
import type { Allocation, Grant } from '../ledger/grant';
import { periodEnd } from '../ledger/period';
import type { AccountRow, DailyRow, GrantRow, TransactionRow } from './store';
import type { BalanceView, GrantView, TransactionDetail, TransactionView } from './types';

export function iso(at: number): string {
  return new Date(at).toISOString();
}

export function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    source: row.source,
    amount: row.amount,
    remaining: row.remaining,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

export function grantView(row: GrantRow): GrantView {
  return {
    id: row.id,
    source: row.source,
    amount: row.amount,
    remaining: row.remaining,
    expires_at: row.expires_at === null ? null : iso(row.expires_at),
    created_at: iso(row.created_at),
  };
}

export function transactionView(row: TransactionRow): TransactionView {
  const allocations = JSON.parse(row.allocations) as Allocation[];
  return {
    id: row.seq,
    type: row.type,
    tokens: row.tokens,
    description: row.description ?? defaultDescription(row),
    agent: row.agent,
    timestamp: iso(row.at),
    tokens_before: row.tokens_before,
    tokens_after: row.tokens_after,
    model: row.model,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    estimated_cost_usd_micros: row.cost_usd_micros,
    estimated_cost_inr_paise: row.cost_inr_paise,
    grants: allocations.map(([grant_id, tokens]) => ({ grant_id, tokens })),
    ...(row.detail === null ? {} : { detail: JSON.parse(row.detail) as TransactionDetail }),
  };
}

// Usage rows store no description unless the caller sent one: it would be the same words on
// every row, and the log is the largest thing an account keeps.
function defaultDescription(row: TransactionRow): string {
  if (row.type === 'usage')
    return `Token usage for ${row.agent ?? 'unknown'} agent${row.model ? ` (${row.model})` : ''}`;
  return row.type;
}

export interface BalanceInputs {
  account: AccountRow;
  liveGrants: GrantRow[];
  creditedTokens: number;
  spentTokens: number;
  totalRequests: number;
  lastRequestAt: number | null;
  today: DailyRow | undefined;
}

/**
 * The seed's balance fields, all derived: remaining from live grants, lifetime totals from every
 * grant ever made, request counts from the per-day counters.
 * total_tokens − used_tokens − remaining_tokens = tokens that expired or were refunded.
 */
export function balanceView(b: BalanceInputs): BalanceView {
  let remaining = 0;
  let monthlyAllowance = 0;
  let monthlyRemaining = 0;
  let rollover = 0;
  let premiumTokens = 0;
  let premiumRemaining = 0;
  for (const grant of b.liveGrants) {
    remaining += grant.remaining;
    if (grant.source === 'monthly') {
      monthlyAllowance += grant.amount;
      monthlyRemaining += grant.remaining;
    } else if (grant.source === 'rollover') {
      rollover += grant.remaining;
    } else {
      premiumTokens += grant.amount;
      premiumRemaining += grant.remaining;
    }
  }
  const monthlyUsed = monthlyAllowance - monthlyRemaining;
  return {
    total_tokens: b.creditedTokens,
    used_tokens: b.spentTokens,
    remaining_tokens: remaining,
    monthly_allowance: monthlyAllowance,
    monthly_used: monthlyUsed,
    monthly_remaining: monthlyRemaining,
    monthly_used_percentage: monthlyAllowance === 0 ? 0 : Math.round((monthlyUsed * 1000) / monthlyAllowance) / 10,
    premium_tokens: premiumTokens,
    premium_remaining: premiumRemaining,
    rollover_tokens: rollover,
    month_reset_date: iso(periodEnd(b.account.period)),
    total_requests: b.totalRequests,
    requests_today: b.today?.requests ?? 0,
    last_request_at: b.lastRequestAt === null ? null : iso(b.lastRequestAt),
  };
}
