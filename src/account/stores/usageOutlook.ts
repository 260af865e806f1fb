// Per-agent averages over the user's whole history, from the usage rollup (a few rows per day),
// so the cost does not grow with the log. Averages round up: an estimate should not fall short.
import { dayOf } from '../../money/period';
import type { AgentAverage, UsageOutlook } from '../contract/rpc';
import type { AccountStore } from './accountStore';
import type { LedgerReads } from './ledgerReads';

const FIRST_DAY = '0000-01-01';

export function usageOutlookOf(store: AccountStore, reads: LedgerReads, now: number): UsageOutlook {
  const terms = store.head()!.terms;
  const averages: Record<string, AgentAverage> = {};
  for (const row of reads.usageBy('agent', FIRST_DAY, dayOf(now))) {
    if (row.requests <= 0) continue;
    averages[row.key] = {
      runs: row.requests,
      inputTokens: Math.ceil(row.inputTokens / row.requests),
      outputTokens: Math.ceil(row.outputTokens / row.requests),
    };
  }
  return { averages, maxTokensPerRequest: terms.maxTokensPerRequest, maxRequestsPerDay: terms.maxRequestsPerDay };
}
