// The writes of a group of usage records that add up: moves on the same grant, the same day's
// counters, the same (day, agent, model) rollup row, and the outbox rows. AccountStore.apply
// collects them here while the group is decided record by record, and writeSummed writes each
// touched row once, inside the same transaction, before it commits.
import type { UsageTotals } from '../contract';
import type { OutboxFact } from '../outbox/outboxRows';

export interface DayCounts {
  requests: number;
  tokens: number;
  lastAt: number;
}

/** The sums of a usage rollup row: the same totals the analytics read back. */
export type RollupTotals = UsageTotals;

export class SummedWrites {
  readonly moves = new Map<number, { delta: number; spent: number }>();
  readonly days = new Map<string, DayCounts>();
  readonly rollups = new Map<string, { day: string; agent: string; model: string; totals: RollupTotals }>();
  readonly facts: OutboxFact[] = [];

  move(grantId: number, delta: number, spent: number): void {
    const m = this.moves.get(grantId) ?? { delta: 0, spent: 0 };
    this.moves.set(grantId, { delta: m.delta + delta, spent: m.spent + spent });
  }

  count(day: string, agent: string, model: string, counts: DayCounts, totals: RollupTotals): void {
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
    const key = JSON.stringify([day, agent, model]);
    const r = this.rollups.get(key);
    if (!r) {
      this.rollups.set(key, { day, agent, model, totals: { ...totals } });
      return;
    }
    for (const field of Object.keys(totals) as (keyof RollupTotals)[]) r.totals[field] += totals[field];
  }
}
