// The outbox's side of the object's one alarm: when a flush is due, and the flush itself. A row is
// due OUTBOX_FLUSH_DELAY_MS after it was written; after a failed flush, no sooner than the backoff
// allows. Rows leave the outbox only once D1 has confirmed the batch (sendFlush answers the cursor
// D1 holds); if D1 fails, they stay, and the balance and every user route never notice.
import { logLine, type Trace } from '../contract/logLine';
import { sendFlush } from './flushBatch';
import {
  OUTBOX_FLUSH_BATCH_ROWS_MAX,
  OUTBOX_FLUSH_BATCHES_PER_ALARM_MAX,
  OUTBOX_FLUSH_DELAY_MS,
  OUTBOX_FLUSH_RETRY_BASE_MS,
  OUTBOX_FLUSH_RETRY_MAX_MS,
  OUTBOX_FLUSH_STATEMENTS_PER_ALARM_MAX,
} from '../../money/limits';
import type { OutboxStore } from './outboxStore';

interface FlushResult {
  /** Rows D1 confirmed and the outbox deleted. */
  flushed: number;
  /** The flush failed (D1 error); rows stay for the retry. */
  failed: boolean;
}

export class OutboxFlusher {
  /** Consecutive failed flushes since the last success (in memory: an evicted object starts over). */
  private failures = 0;
  private retryAt = 0;

  constructor(private readonly outbox: OutboxStore) {}

  /** When the alarm should flush (epoch ms), or undefined when nothing waits. */
  dueAt(): number | undefined {
    const oldest = this.outbox.oldestCreatedAt();
    if (oldest === null) return undefined;
    return Math.max(oldest + OUTBOX_FLUSH_DELAY_MS, this.retryAt);
  }

  /**
   * Flush what waits, up to OUTBOX_FLUSH_BATCHES_PER_ALARM_MAX batches, unless a failure's backoff
   * has not passed. Called from the alarm: once the object is awake, rows written moments ago (by a
   * reset the same alarm applied, say) leave too, rather than waking it again 30 s later. `userId`
   * null means the object does not know whom it belongs to yet: rows wait (a warning is logged).
   */
  async flush(db: D1Database, userId: string | null, now: number, trace: Trace): Promise<FlushResult> {
    if (this.dueAt() === undefined || this.retryAt > now) return { flushed: 0, failed: false };
    if (userId === null) {
      logLine('warn', 'outbox', trace, { warning: 'no user id stored; flush deferred' });
      this.failed(now);
      return { flushed: 0, failed: true };
    }
    let flushed = 0;
    let statements = 0;
    for (let i = 0; i < OUTBOX_FLUSH_BATCHES_PER_ALARM_MAX && statements < OUTBOX_FLUSH_STATEMENTS_PER_ALARM_MAX; i++) {
      const rows = this.outbox.batch(OUTBOX_FLUSH_BATCH_ROWS_MAX + 1);
      if (rows.length === 0) break;
      const sent = rows.slice(0, OUTBOX_FLUSH_BATCH_ROWS_MAX);
      const left = rows[OUTBOX_FLUSH_BATCH_ROWS_MAX];
      const lastSeq = sent[sent.length - 1]!.seq;
      let counted: number;
      try {
        const answer = await sendFlush(db, sent, {
          userId,
          now,
          oldestPendingAt: left?.createdAt ?? null,
          pendingRows: left ? this.outbox.pendingCount() - sent.length : 0,
        });
        counted = answer.counted;
        statements += answer.statements;
      } catch (error) {
        this.failed(now);
        logLine('warn', 'outbox', trace, { failures: this.failures, error: String(error) });
        return { flushed, failed: true };
      }
      // D1 may hold a cursor below this batch (it had counted an earlier, shorter batch of these
      // rows): delete only what it counted; the rest goes again with the next batch.
      const through = Math.min(counted, lastSeq);
      flushed += sent.filter((r) => r.seq <= through).length;
      this.outbox.deleteThrough(through);
      this.failures = 0;
      this.retryAt = 0;
      if (!left && through === lastSeq) break;
    }
    return { flushed, failed: false };
  }

  private failed(now: number): void {
    this.failures++;
    const backoff = Math.min(OUTBOX_FLUSH_RETRY_BASE_MS * 2 ** (this.failures - 1), OUTBOX_FLUSH_RETRY_MAX_MS);
    this.retryAt = now + backoff;
  }
}
