// The writes of a mutation that add up: moves on the same grant, the same day's counters, the same
// (day, agent, model) rollup row, and the outbox rows. AccountStore.apply collects them here while
// the changes are applied, and writeSummed writes each touched row once, inside the same
// transaction: a group of usage records then updates each counter row once rather than once per record.
import type { UsageTotals } from '../contract/rpc';
import type { OutboxFact } from './outboxRows';

export interface DayCounts {
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
