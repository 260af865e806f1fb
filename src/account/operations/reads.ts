// Reads: each brings the account up to date first (a user's own read may open it; an operator's never does).
import type { Trace } from '../contract/logLine';
import { TRANSACTIONS_PAGE_SIZE_MAX } from '../../money/limits';
import type {
  AccountResult,
  Analytics,
  AuditReport,
  Balance,
  LiveSubscription,
  ReadOptions,
  TransactionPage,
  TransactionQuery,
} from '../contract/rpc';
import { analyticsOf } from '../stores/usageReport';
import { auditAccount } from '../stores/audit';
import { balanceOf } from '../stores/balance';
import type { AccountShell } from './shell';

export async function balance(a: AccountShell, opts: ReadOptions = {}): Promise<AccountResult<Balance>> {
  return a.read(opts, (now) => balanceOf(a.store, a.log, now));
}

export async function transactions(a: AccountShell, query: TransactionQuery): Promise<AccountResult<TransactionPage>> {
  return a.read(query, () => {
    const limit = Math.min(Math.max(1, query.limit), TRANSACTIONS_PAGE_SIZE_MAX);
    const rows = a.log.page({ ...query, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { transactions: page, nextCursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null };
  });
}

export async function analytics(a: AccountShell, opts: ReadOptions = {}): Promise<AccountResult<Analytics>> {
  return a.read(opts, (now) => analyticsOf(a.log, now));
}

export async function audit(a: AccountShell, trace: Trace): Promise<AccountResult<AuditReport>> {
  return a.read(trace, () => auditAccount(a.store, a.log));
}

export async function liveSubscriptions(a: AccountShell, trace: Trace): Promise<AccountResult<LiveSubscription[]>> {
  return a.read(trace, () =>
    a.store.stripe.liveSubscriptions().map((s) => ({
      subscriptionId: s.subscriptionId,
      planId: s.planId,
      status: s.status,
      paidThrough: s.paidThrough,
    })),
  );
}
