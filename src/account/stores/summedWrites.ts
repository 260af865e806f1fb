// The writes of a mutation that add up: moves on the same grant, the same day's counters, the same
// (day, agent, model) rollup row, and the outbox rows. AccountStore.apply collects them here while
// the changes are applied, and `writeSums` (with the outbox's own write) writes each touched row
// once, inside the same transaction: a group of usage records then updates each counter row once
// rather than once per record.
import type { UsageTotals } from '../contract/rpc';
import type { OutboxFact } from './outboxRows';
import type { Sql } from './sql';

interface DayCounts {
  requests: number;
  tokens: number;
  lastAt: number;
}

export class SummedWrites {
  readonly moves = new Map<number, { delta: number; spent: number }>();
  readonly days = new Map<string, DayCounts>();
  readonly rollups = new Map<string, { day: string; agent: string; model: string; totals: UsageTotals }>();
  readonly facts: OutboxFact[] = [];

  move(grantId: number, delta: number, spent: number): void {
    const m = this.moves.get(grantId) ?? { delta: 0, spent: 0 };
    this.moves.set(grantId, { delta: m.delta + delta, spent: m.spent + spent });
  }

  day(day: string, counts: DayCounts): void {
    const d = this.days.get(day);
    this.days.set(
      day,
      d
        ? {
            requests: d.requests + counts.requests,
            tokens: d.tokens + counts.tokens,
            lastAt: Math.max(d.lastAt, counts.lastAt),
          }
        : { ...counts },
    );
  }

  /** Usage: the day's counters and the usage rollup row of (day, agent, model). */
  usage(day: string, agent: string, model: string, counts: DayCounts, totals: UsageTotals): void {
    this.day(day, counts);
    const key = JSON.stringify([day, agent, model]);
    const r = this.rollups.get(key);
    if (!r) {
      this.rollups.set(key, { day, agent, model, totals: { ...totals } });
      return;
    }
    for (const field of Object.keys(totals) as (keyof UsageTotals)[]) r.totals[field] += totals[field];
  }
}

/** Write the sums (the outbox aside): one statement per grant, day and rollup row touched. */
export function writeSums(sql: Sql, summed: SummedWrites): void {
  for (const [grantId, m] of summed.moves) moveGrant(sql, grantId, m.delta, m.spent);
  for (const [day, counts] of summed.days) countDay(sql, day, counts);
  for (const r of summed.rollups.values()) addRollup(sql, r.day, r.agent, r.model, r.totals);
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

function countDay(sql: Sql, day: string, c: DayCounts): void {
  sql.run(
    'day count',
    `INSERT INTO daily_usage (day, requests, tokens, last_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (day) DO UPDATE SET requests = requests + excluded.requests, tokens = tokens + excluded.tokens,
       last_at = MAX(last_at, excluded.last_at)`,
    day,
    c.requests,
    c.tokens,
    c.lastAt,
  );
}

function addRollup(sql: Sql, day: string, agent: string, model: string, t: UsageTotals): void {
  sql.run(
    'rollup add',
    `INSERT INTO usage_rollup VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (day, agent, model) DO UPDATE SET requests = requests + excluded.requests, tokens = tokens + excluded.tokens,
       input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
       cost_usd_micros = cost_usd_micros + excluded.cost_usd_micros, cost_inr_paise = cost_inr_paise + excluded.cost_inr_paise`,
    day,
    agent,
    model,
    t.requests,
    t.tokens,
    t.inputTokens,
    t.outputTokens,
    t.costUsdMicros,
    t.costInrPaise,
  );
}
