// Drives a user's object over RPC and presents its answers as the API does, so object-level tests
// read like the HTTP ones: `{ ok: true, …presented value }` or `{ ok: false, error: code, …details }`.
import type {
  AccountResult,
  Applied,
  CreditRequest,
  PlanChangeRequest,
  TransactionQuery,
} from '../../src/account/contract/rpc';
import { idempotencyKeys } from '../../src/account/contract/keys';
import { iso, presentBalance, presentGrant, presentTransaction } from '../../src/worker/present/ledger';
import type { AccountStub } from './helpers';

type Flat<T> = ({ ok: true } & T) | ({ ok: false; error: string; message: string } & Record<string, unknown>);

function flatten<T, U>(result: AccountResult<T>, present: (value: T) => U): Flat<U> {
  if (!result.ok)
    return { ok: false, error: result.failure.code, message: result.failure.message, ...result.failure.details };
  return { ok: true, ...present(result.value) };
}

function must<T>(result: AccountResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.failure)}`);
  return result.value;
}

export function drive(stub: AccountStub) {
  return {
    async balance() {
      const b = must(await stub.balance({ openIfNew: true }));
      return {
        balance: presentBalance(b),
        plan: { plan_id: b.plan.id, pending_plan_id: b.pendingPlan?.id ?? null, month_reset_date: iso(b.monthResetAt) },
      };
    },
    async transactions(query: Omit<TransactionQuery, 'openIfNew'>) {
      const page = must(await stub.transactions({ ...query, openIfNew: true }));
      return { transactions: page.transactions.map(presentTransaction), nextCursor: page.nextCursor };
    },
    async recordUsage(u: {
      agent: string;
      model: string;
      inputTokens: number;
      outputTokens: number;
      idempotencyKey: string;
    }) {
      const result = await stub.recordUsage({ ...u, idempotencyKey: idempotencyKeys.usage(u.idempotencyKey) });
      return flatten(result, (a: Applied<Parameters<typeof presentTransaction>[0]>) => ({
        replayed: a.replayed,
        transaction: presentTransaction(a.result),
      }));
    },
    async credit(c: Omit<CreditRequest, 'idempotencyKey'> & { idempotencyKey: string | null }) {
      const key = c.idempotencyKey === null ? null : idempotencyKeys.adminGrant(c.idempotencyKey);
      const result = await stub.credit({ ...c, idempotencyKey: key });
      return flatten(result, (a) => ({
        replayed: a.replayed,
        grant: presentGrant(a.result.grant),
        transaction: presentTransaction(a.result.transaction),
      }));
    },
    async changePlan(p: Omit<PlanChangeRequest, 'idempotencyKey'> & { idempotencyKey: string | null }) {
      const key = p.idempotencyKey === null ? null : idempotencyKeys.adminPlan(p.idempotencyKey);
      const result = await stub.changePlan({ ...p, idempotencyKey: key });
      return flatten(result, (a) => ({
        replayed: a.replayed,
        effective: a.result.effective,
        plan: { plan_id: a.result.planId, pending_plan_id: a.result.pendingPlanId },
        transaction: a.result.transaction === null ? null : presentTransaction(a.result.transaction),
      }));
    },
  };
}
