// Analytics tests: drain a user's waiting facts through its alarm, read its whole log, and compute from
// the logs what the D1 aggregates must hold.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import type { Transaction } from '../../src/account/contract/rpc';
import type { AccountStub } from './helpers';

// Taken once: a test may swap the object's env.DB for a failing one, and the test's env is the same object.
const DB = env.DB;

/**
 * Facts waiting for the flush: the object's outbox rows, and its usage rows after the cursor D1
 * holds for the user (rows up to ledger_facts_after went through the outbox).
 */
export async function waitingFacts(stub: AccountStub): Promise<number> {
  const { outbox, userId, after } = await runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    const account = sql
      .exec<{ user_id: string | null; after: number }>('SELECT user_id, ledger_facts_after AS after FROM account')
      .toArray()[0];
    return {
      outbox: Number(sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n),
      userId: account?.user_id ?? null,
      after: account?.after ?? 0,
    };
  });
  const d1 = userId
    ? await DB.prepare('SELECT usage_seq FROM analytics_user_flush WHERE user_id = ?')
        .bind(userId)
        .first<{ usage_seq: number }>()
    : null;
  const cursor = Math.max(d1?.usage_seq ?? 0, after);
  const usage = await runInDurableObject(stub, (_instance, state) =>
    Number(
      state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM transactions WHERE seq > ? AND type = 'usage'", cursor)
        .one().n,
    ),
  );
  return outbox + usage;
}

/** Fire the object's alarm until no fact waits (each alarm sends a bounded number of batches). */
export async function drainFacts(stub: AccountStub): Promise<void> {
  for (let i = 0; i < 20 && (await waitingFacts(stub)) > 0; i++) await runDurableObjectAlarm(stub);
  const left = await waitingFacts(stub);
  if (left > 0) throw new Error(`${left} facts still wait for the flush`);
}

/** Every ledger row of the user, oldest first. */
export async function ledgerOf(stub: AccountStub): Promise<Transaction[]> {
  const rows: Transaction[] = [];
  let beforeSeq: number | undefined;
  for (;;) {
    const page = await stub.transactions({ limit: 100, beforeSeq });
    if (!page.ok) throw new Error(page.failure.message);
    rows.push(...page.value.transactions);
    if (page.value.nextCursor === null) return rows.reverse();
    beforeSeq = Number(page.value.nextCursor);
  }
}

const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

type Sums = Record<string, number>;
function add(map: Map<string, Sums>, key: string, values: Sums): void {
  const found = map.get(key) ?? {};
  for (const [k, v] of Object.entries(values)) found[k] = (found[k] ?? 0) + v;
  map.set(key, found);
}

/** What the aggregates must hold, computed from the users' logs alone. */
export function expectedFromLogs(logs: { userId: string; rows: Transaction[] }[]) {
  const usage = new Map<string, Sums>(); // day|agent|model
  const users = new Map<string, Sums>(); // user|day
  const ledger = new Map<string, Sums>(); // day|kind
  const revenue = new Map<string, Sums>(); // day|package
  const promo = new Map<string, Sums>(); // day|code
  for (const { userId, rows } of logs) {
    for (const tx of rows) {
      const day = dayOf(tx.at);
      if (tx.type === 'usage') {
        const totals = {
          requests: 1,
          input_tokens: tx.inputTokens!,
          output_tokens: tx.outputTokens!,
          tokens: -tx.tokens,
          cost_usd_micros: tx.costUsdMicros!,
          cost_inr_paise: tx.costInrPaise!,
        };
        add(usage, `${day}|${tx.agent}|${tx.model}`, totals);
        add(users, `${userId}|${day}`, totals);
        continue;
      }
      add(ledger, `${day}|${tx.type}`, { entries: 1, tokens: tx.tokens });
      const detail = tx.detail ?? {};
      if (tx.type === 'purchase')
        add(revenue, `${day}|${String(detail.package_id)}`, {
          purchases: 1,
          purchased_tokens: tx.tokens,
          amount_paise: Number(detail.amount_paise),
          refunds: 0,
          refunded_tokens: 0,
        });
      if (tx.type === 'refund')
        add(revenue, `${day}|${String(detail.package_id)}`, {
          purchases: 0,
          purchased_tokens: 0,
          amount_paise: 0,
          refunds: 1,
          refunded_tokens: -tx.tokens,
        });
      if (typeof detail.promo_code === 'string')
        add(promo, `${day}|${detail.promo_code}`, { redemptions: 1, tokens: tx.tokens });
    }
  }
  const sorted = (m: Map<string, Sums>) => Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)));
  return {
    usage: sorted(usage),
    users: sorted(users),
    ledger: sorted(ledger),
    revenue: sorted(revenue),
    promo: sorted(promo),
  };
}

/** The same shapes, read from D1 for the days in [from, to] and the given users. */
export async function aggregatesInD1(from: string, to: string, userIds: string[]) {
  const q = async (sql: string, ...args: unknown[]) =>
    (
      await env.DB.prepare(sql)
        .bind(...args)
        .all<Record<string, string | number>>()
    ).results;
  const keyed = (rows: Record<string, string | number>[], keys: string[]) =>
    Object.fromEntries(
      rows
        .map((r): [string, Sums] => {
          const sums: Sums = {};
          for (const [k, v] of Object.entries(r)) if (!keys.includes(k)) sums[k] = Number(v);
          return [keys.map((k) => r[k]).join('|'), sums];
        })
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  const marks = userIds.map(() => '?').join(', ');
  return {
    usage: keyed(
      await q(
        `SELECT day, agent, model, SUM(requests) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
           SUM(tokens) AS tokens, SUM(cost_usd_micros) AS cost_usd_micros, SUM(cost_inr_paise) AS cost_inr_paise
         FROM analytics_usage_daily WHERE day BETWEEN ? AND ? GROUP BY day, agent, model`,
        from,
        to,
      ),
      ['day', 'agent', 'model'],
    ),
    users: keyed(
      await q(
        `SELECT user_id, day, requests, input_tokens, output_tokens, tokens, cost_usd_micros, cost_inr_paise
         FROM analytics_user_daily WHERE day BETWEEN ? AND ? AND user_id IN (${marks})`,
        from,
        to,
        ...userIds,
      ),
      ['user_id', 'day'],
    ),
    ledger: keyed(
      await q(
        `SELECT day, kind, SUM(entries) AS entries, SUM(tokens) AS tokens FROM analytics_ledger_daily
         WHERE day BETWEEN ? AND ? GROUP BY day, kind`,
        from,
        to,
      ),
      ['day', 'kind'],
    ),
    revenue: keyed(
      await q(
        `SELECT day, product_id, purchases, purchased_tokens, amount_paise, refunds, refunded_tokens
         FROM analytics_revenue_daily WHERE day BETWEEN ? AND ? AND product_type = 'package'`,
        from,
        to,
      ),
      ['day', 'product_id'],
    ),
    promo: keyed(
      await q('SELECT day, code, redemptions, tokens FROM analytics_promo_daily WHERE day BETWEEN ? AND ?', from, to),
      ['day', 'code'],
    ),
  };
}
