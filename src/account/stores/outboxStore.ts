// The outbox table: facts written with each decision, read in seq order by the flush, deleted once
// D1 has counted them. Synchronous, so writes share the decision's transactionSync.
import type { Sql } from './sql';
import type { OutboxFact } from './outboxRows';

/** A stored fact: its seq is the flush cursor's unit; createdAt is when it was written (epoch ms). */
export interface OutboxRow extends OutboxFact {
  seq: number;
  createdAt: number;
}

interface StoredRow {
  seq: number;
  created_at: number;
  day: string;
  kind: string;
  tx_seq: number | null;
  plan_id: string;
  source: string;
  agent: string | null;
  model: string | null;
  tokens: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd_micros: number;
  cost_inr_paise: number;
  amount_paise: number | null;
  product_id: string | null;
  promo_code: string | null;
  [column: string]: SqlStorageValue;
}

export class OutboxStore {
  /** createdAt of the oldest unflushed row: undefined until read, null when the outbox is empty. */
  private oldest: number | null | undefined;

  constructor(private readonly sql: Sql) {}

  write(facts: readonly OutboxFact[], createdAt: number): void {
    if (facts.length === 0) return;
    // One statement for every fact, rows in order: a group of usage records writes its facts at
    // once (per-row statements, with AUTOINCREMENT's bookkeeping each, cost about as much as the
    // ledger rows themselves).
    const rows = facts.map((f) => [
      f.day,
      f.kind,
      f.txSeq,
      f.planId,
      f.source,
      f.agent,
      f.model,
      f.tokens,
      f.inputTokens,
      f.outputTokens,
      f.costUsdMicros,
      f.costInrPaise,
      f.amountPaise,
      f.productId,
      f.promoCode,
    ]);
    this.sql.run(
      'outbox write',
      `INSERT INTO outbox (created_at, day, kind, tx_seq, plan_id, source, agent, model, tokens, input_tokens, output_tokens,
         cost_usd_micros, cost_inr_paise, amount_paise, product_id, promo_code)
       SELECT ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7,
         value ->> 8, value ->> 9, value ->> 10, value ->> 11, value ->> 12, value ->> 13, value ->> 14
       FROM json_each(?) ORDER BY key`,
      createdAt,
      JSON.stringify(rows),
    );
    // Should the transaction roll back, this time names a row that never was: the flush then finds
    // nothing, and reads the time again.
    if (this.oldest == null) this.oldest = createdAt;
  }

  /** When the oldest unflushed row was written (epoch ms), or null when nothing waits. */
  oldestCreatedAt(): number | null {
    if (this.oldest === undefined) {
      this.oldest =
        this.sql.first<{ created_at: number }>('outbox oldest', 'SELECT created_at FROM outbox ORDER BY seq LIMIT 1')
          ?.created_at ?? null;
    }
    return this.oldest;
  }

  /** The oldest `limit` rows, in seq order. */
  batch(limit: number): OutboxRow[] {
    const rows = this.sql.rows<StoredRow>('outbox batch', 'SELECT * FROM outbox ORDER BY seq LIMIT ?', limit);
    // An empty outbox after a rolled-back write: forget the time of the row that never was, or the
    // alarm would keep waking for it.
    if (rows.length === 0) this.oldest = null;
    return rows.map(toRow);
  }

  pendingCount(): number {
    return this.sql.one<{ n: number }>('outbox count', 'SELECT COUNT(*) AS n FROM outbox').n;
  }

  /** Forget every row up to `seq`: D1 has counted them. */
  deleteThrough(seq: number): void {
    this.sql.run('outbox delete', 'DELETE FROM outbox WHERE seq <= ?', seq);
    this.oldest = undefined;
  }
}

function toRow(r: StoredRow): OutboxRow {
  return {
    seq: r.seq,
    createdAt: r.created_at,
    day: r.day,
    kind: r.kind,
    txSeq: r.tx_seq,
    planId: r.plan_id,
    source: r.source as OutboxRow['source'],
    agent: r.agent,
    model: r.model,
    tokens: r.tokens,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    costUsdMicros: r.cost_usd_micros,
    costInrPaise: r.cost_inr_paise,
    amountPaise: r.amount_paise,
    productId: r.product_id,
    promoCode: r.promo_code,
  };
}
