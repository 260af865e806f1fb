// Usage facts for the flush to D1, read from the ledger after a cursor instead of written twice (an
// outbox row per usage row, then its delete). The cursor is the last usage seq D1 has counted: D1
// holds it (analytics_user_flush.usage_seq), and the object keeps it in memory once it has read it
// or heard it back from a flush; rows at or before `ledger_facts_after` (usage written before the
// ledger was read this way) went through the outbox. After a wake the cursor is unknown until the
// next flush asks D1, so the flush is due only once usage was appended or an alarm is already set.
import { dayOf } from '../../money/period';
import type { OutboxRow } from './outboxStore';
import type { Sql } from './sql';

interface UsageRow {
  seq: number;
  at: number;
  agent: string;
  model: string;
  tokens: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd_micros: number;
  cost_inr_paise: number;
  plan_id: string | null;
  [column: string]: SqlStorageValue;
}

export class LedgerFacts {
  /** The last usage seq D1 has counted, or undefined until a flush learns it. */
  private cursor: number | undefined;
  /** When the oldest usage row after the cursor was written: undefined until read, null when none waits. */
  private oldest: number | null | undefined;
  /** When this incarnation first appended usage while the cursor was unknown. */
  private appendedUnknown: number | null = null;

  constructor(private readonly sql: Sql) {}

  known(): boolean {
    return this.cursor !== undefined;
  }

  /** Learn D1's cursor (what it answered); never below the rows the outbox carried. */
  learn(d1Cursor: number): void {
    this.cursor = Math.max(d1Cursor, this.carriedByOutboxThrough());
    this.oldest = undefined;
    this.appendedUnknown = null;
  }

  /** The store appended a usage row at `at`. */
  appended(at: number): void {
    if (this.cursor === undefined) this.appendedUnknown ??= at;
    else if (this.oldest === null) this.oldest = at;
  }

  /** When the oldest unflushed usage row was written (epoch ms), null when none waits, or undefined when unknown. */
  oldestAt(): number | null | undefined {
    if (this.cursor === undefined) return this.appendedUnknown ?? undefined;
    if (this.oldest === undefined) {
      this.oldest =
        this.sql.first<{ at: number }>(
          'ledger facts oldest',
          "SELECT at FROM transactions WHERE seq > ? AND type = 'usage' ORDER BY seq LIMIT 1",
          this.cursor,
        )?.at ?? null;
    }
    return this.oldest;
  }

  /** The oldest `limit` usage rows after the cursor, as facts (the cursor must be known). */
  batch(limit: number): OutboxRow[] {
    const rows = this.sql.rows<UsageRow>(
      'ledger facts batch',
      `SELECT seq, at, agent, model, tokens, input_tokens, output_tokens, cost_usd_micros, cost_inr_paise, plan_id
       FROM transactions WHERE seq > ? AND type = 'usage' ORDER BY seq LIMIT ?`,
      this.after(),
      limit,
    );
    if (rows.length === 0) this.oldest = null;
    return rows.map(toFact);
  }

  pendingCount(): number {
    return this.sql.one<{ n: number }>(
      'ledger facts count',
      "SELECT COUNT(*) AS n FROM transactions WHERE seq > ? AND type = 'usage'",
      this.after(),
    ).n;
  }

  private after(): number {
    if (this.cursor === undefined) throw new Error('ledger facts: the cursor is not known yet');
    return this.cursor;
  }

  private carriedByOutboxThrough(): number {
    return (
      this.sql.first<{ after: number }>('ledger facts base', 'SELECT ledger_facts_after AS after FROM account')
        ?.after ?? 0
    );
  }
}

/** A usage row as the fact D1 counts: tokens charged (input + output, less what a commit could not cover). */
function toFact(r: UsageRow): OutboxRow {
  return {
    seq: r.seq,
    createdAt: r.at,
    day: dayOf(r.at),
    kind: 'usage',
    txSeq: r.seq,
    planId: r.plan_id ?? '',
    source: '',
    agent: r.agent,
    model: r.model,
    tokens: -r.tokens,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    costUsdMicros: r.cost_usd_micros,
    costInrPaise: r.cost_inr_paise,
    amountPaise: null,
    productId: null,
    promoCode: null,
  };
}
