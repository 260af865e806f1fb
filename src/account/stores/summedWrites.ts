// The writes of a mutation that add up: moves on the same grant, the same (day, agent, model) rollup
// row, the outbox rows, and the lifetime totals of grants closed. AccountStore.apply collects them
// here while the changes are applied, and `writeSums` (with the outbox's own write) writes each
// touched row once, inside the same transaction: a group of usage records then updates each grant
// and rollup row once rather than once per record.
import type { UsageTotals } from '../contract/rpc';
import type { OutboxFact } from './outboxRows';
import type { Sql } from './sql';

export class SummedWrites {
  readonly moves = new Map<number, { delta: number; spent: number }>();
  readonly rollups = new Map<
    string,
    { day: string; agent: string; model: string; totals: UsageTotals; lastAt: number }
  >();
  readonly facts: OutboxFact[] = [];
  /** Grants closed: their amounts and spending move into the account's carried totals. */
  readonly closed: number[] = [];

  move(grantId: number, delta: number, spent: number): void {
    const m = this.moves.get(grantId) ?? { delta: 0, spent: 0 };
    this.moves.set(grantId, { delta: m.delta + delta, spent: m.spent + spent });
  }

  /** Usage: the rollup row of (day, agent, model), which also counts the day's requests and tokens. */
  usage(day: string, agent: string, model: string, totals: UsageTotals, at: number): void {
    const key = JSON.stringify([day, agent, model]);
    const r = this.rollups.get(key);
    if (!r) {
      this.rollups.set(key, { day, agent, model, totals: { ...totals }, lastAt: at });
      return;
    }
    for (const field of Object.keys(totals) as (keyof UsageTotals)[]) r.totals[field] += totals[field];
    r.lastAt = Math.max(r.lastAt, at);
  }
}

/** Write the sums (the outbox aside): one statement per grant and rollup row touched, one for closes. */
export function writeSums(sql: Sql, summed: SummedWrites): void {
  for (const [grantId, m] of summed.moves) moveGrant(sql, grantId, m.delta, m.spent);
  for (const r of summed.rollups.values()) addRollup(sql, r.day, r.agent, r.model, r.totals, r.lastAt);
  // After the moves, so a grant's spending is final when it is carried.
  if (summed.closed.length > 0) carryClosedGrants(sql, summed.closed);
}

function moveGrant(sql: Sql, grantId: number, delta: number, spent: number): void {
  sql.run(
    'grant move',
    'UPDATE grants SET remaining = remaining + ?, spent = spent + ? WHERE id = ?',
    delta,
    spent,
    grantId,
  );
}

function addRollup(sql: Sql, day: string, agent: string, model: string, t: UsageTotals, lastAt: number): void {
  sql.run(
    'rollup add',
    `INSERT INTO usage_rollup (day, agent, model, requests, tokens, input_tokens, output_tokens, cost_usd_micros,
       cost_inr_paise, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (day, agent, model) DO UPDATE SET requests = requests + excluded.requests, tokens = tokens + excluded.tokens,
       input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
       cost_usd_micros = cost_usd_micros + excluded.cost_usd_micros, cost_inr_paise = cost_inr_paise + excluded.cost_inr_paise,
       last_at = MAX(COALESCE(last_at, 0), excluded.last_at)`,
    day,
    agent,
    model,
    t.requests,
    t.tokens,
    t.inputTokens,
    t.outputTokens,
    t.costUsdMicros,
    t.costInrPaise,
    lastAt,
  );
}

/** Closed grants leave the live set: their lifetime credit and spending are kept on the account row. */
function carryClosedGrants(sql: Sql, grantIds: readonly number[]): void {
  const ids = 'SELECT value FROM json_each(?1)';
  sql.run(
    'grants carry',
    `UPDATE account SET
       closed_credited = closed_credited + (SELECT COALESCE(SUM(CASE WHEN source = 'rollover' THEN 0 ELSE amount END), 0)
                                            FROM grants WHERE id IN (${ids})),
       closed_spent = closed_spent + (SELECT COALESCE(SUM(spent), 0) FROM grants WHERE id IN (${ids}))`,
    JSON.stringify(grantIds),
  );
}
