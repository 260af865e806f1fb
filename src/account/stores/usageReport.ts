// Per-user analytics from the usage rollup and the grants, so the cost does not grow with the log.
import { BURN_RATE_DAYS, TREND_DAYS } from '../../money/limits';
import { DAY_MS, dayOf } from '../../money/period';
import type { Analytics } from '../contract/rpc';
import type { LedgerReads } from './ledgerReads';

const FIRST_DAY = '0000-01-01';

export function analyticsOf(reads: LedgerReads, now: number): Analytics {
  const today = dayOf(now);
  const trendFrom = dayOf(now - (TREND_DAYS - 1) * DAY_MS);
  const perDay = new Map(reads.usageBy('day', trendFrom, today).map((d) => [d.key, d]));
  const daily = Array.from({ length: TREND_DAYS }, (_, i) => {
    const day = dayOf(now - (TREND_DAYS - 1 - i) * DAY_MS);
    const row = perDay.get(day);
    return { day, requests: row?.requests ?? 0, tokens: row?.tokens ?? 0 };
  });
  const burn = daily.slice(-BURN_RATE_DAYS).reduce((sum, d) => sum + d.tokens, 0) / BURN_RATE_DAYS;
  const keyed = (column: 'agent' | 'model') =>
    Object.fromEntries(reads.usageBy(column, FIRST_DAY, today).map(({ key, ...totals }) => [key, totals]));
  return {
    totals: reads.usageTotals(FIRST_DAY, today),
    creditedTokens: reads.grantTotals().creditedTokens,
    transactionCount: reads.count(),
    byAgent: keyed('agent'),
    byModel: keyed('model'),
    daily,
    burnRateTokensPerDay: burn,
    remainingTokens: reads.balanceTokens() - reads.heldTokens(),
  };
}
