// The flush of analytics facts to D1, on the object's one alarm: when it is due, and the flush itself.
// Two streams go in each batch (flushBatch.ts): usage rows read from the ledger after the cursor D1
// holds (ledgerFacts.ts), and the outbox's other facts. A fact is due OUTBOX_FLUSH_DELAY_MS after it
// was written; after a failed flush, no sooner than the backoff allows. Outbox rows leave only once
// D1 has confirmed the batch, and the ledger cursor moves only to what D1 answers; if D1 fails,
// everything stays, and the balance and every user route never notice.
import { logLine, type Trace } from '../contract/logLine';
import { sendFlush, usageCursor, type FlushRows } from './flushBatch';
import {
  OUTBOX_FLUSH_BATCH_ROWS_MAX,
  OUTBOX_FLUSH_BATCHES_PER_ALARM_MAX,
  OUTBOX_FLUSH_DELAY_MS,
  OUTBOX_FLUSH_RETRY_BASE_MS,
  OUTBOX_FLUSH_RETRY_MAX_MS,
  OUTBOX_FLUSH_STATEMENTS_PER_ALARM_MAX,
} from '../../money/limits';
import type { LedgerFacts } from './ledgerFacts';
import type { OutboxRow, OutboxStore } from './outboxStore';

interface FlushResult {
  /** Facts D1 confirmed (outbox rows deleted, ledger rows passed by the cursor). */
  flushed: number;
  /** The flush failed (D1 error); facts stay for the retry. */
  failed: boolean;
}

export class FactFlusher {
  /** Consecutive failed flushes since the last success (in memory: an evicted object starts over). */
  private failures = 0;
  private retryAt = 0;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly ledger: LedgerFacts,
  ) {}

  /** When the alarm should flush (epoch ms), or undefined when nothing is known to wait. */
  dueAt(): number | undefined {
    const oldest = [this.outbox.oldestCreatedAt(), this.ledger.oldestAt()].filter((t) => typeof t === 'number');
    // A flush that failed before it learnt D1's cursor retries at its backoff, whatever it found.
    if (oldest.length === 0) return this.failures > 0 && !this.ledger.known() ? this.retryAt : undefined;
    return Math.max(Math.min(...oldest) + OUTBOX_FLUSH_DELAY_MS, this.retryAt);
  }

  /**
   * Whether the alarm must not be moved later than one already set: after a wake, usage rows may
   * wait for a flush that only D1's cursor can tell about, and the alarm set before is what flushes them.
   */
  mayHaveUnknownWaiting(): boolean {
    return !this.ledger.known();
  }

  /**
   * Flush what waits, up to OUTBOX_FLUSH_BATCHES_PER_ALARM_MAX batches, unless a failure's backoff
   * has not passed. Called from the alarm: once the object is awake, facts written moments ago (by a
   * reset the same alarm applied, say) leave too, rather than waking it again 30 s later. `userId`
   * null means the object does not know whom it belongs to yet: facts wait (a warning is logged).
   */
  async flush(db: D1Database, userId: string | null, now: number, trace: Trace): Promise<FlushResult> {
    const knownWaiting = this.dueAt() !== undefined;
    if (this.retryAt > now || (!knownWaiting && (this.ledger.known() || userId === null))) {
      return { flushed: 0, failed: false };
    }
    if (userId === null) {
      logLine('warn', 'outbox', trace, { warning: 'no user id stored; flush deferred' });
      this.failed(now);
      return { flushed: 0, failed: true };
    }
    let flushed = 0;
    let statements = 0;
    try {
      if (!this.ledger.known()) this.ledger.learn(await usageCursor(db, userId));
      for (
        let i = 0;
        i < OUTBOX_FLUSH_BATCHES_PER_ALARM_MAX && statements < OUTBOX_FLUSH_STATEMENTS_PER_ALARM_MAX;
        i++
      ) {
        const usage = this.ledger.batch(OUTBOX_FLUSH_BATCH_ROWS_MAX + 1);
        const outbox = this.outbox.batch(OUTBOX_FLUSH_BATCH_ROWS_MAX + 1);
        if (usage.length === 0 && outbox.length === 0) break;
        const sent: FlushRows = {
          usage: usage.slice(0, OUTBOX_FLUSH_BATCH_ROWS_MAX),
          outbox: outbox.slice(0, OUTBOX_FLUSH_BATCH_ROWS_MAX),
        };
        const left = [usage[OUTBOX_FLUSH_BATCH_ROWS_MAX], outbox[OUTBOX_FLUSH_BATCH_ROWS_MAX]].filter(
          (r): r is OutboxRow => r !== undefined,
        );
        const answer = await sendFlush(db, sent, {
          userId,
          now,
          oldestPendingAt: left.length ? Math.min(...left.map((r) => r.createdAt)) : null,
          pendingRows: left.length ? this.pendingCount() - sent.usage.length - sent.outbox.length : 0,
        });
        statements += answer.statements;
        // D1 may hold a cursor below this batch (it had counted an earlier, shorter batch of these
        // rows): only what it counted is done; the rest goes again with the next batch.
        const lastOutbox = sent.outbox.at(-1)?.seq;
        if (lastOutbox !== undefined) {
          const through = Math.min(answer.counted.outbox, lastOutbox);
          flushed += sent.outbox.filter((r) => r.seq <= through).length;
          this.outbox.deleteThrough(through);
        }
        flushed += sent.usage.filter((r) => r.seq <= answer.counted.usage).length;
        this.ledger.learn(answer.counted.usage);
        this.failures = 0;
        this.retryAt = 0;
        const allCounted =
          (lastOutbox === undefined || answer.counted.outbox >= lastOutbox) &&
          (sent.usage.length === 0 || answer.counted.usage >= sent.usage.at(-1)!.seq);
        if (left.length === 0 && allCounted) break;
      }
    } catch (error) {
      this.failed(now);
      logLine('warn', 'outbox', trace, { failures: this.failures, error: String(error) });
      return { flushed, failed: true };
    }
    return { flushed, failed: false };
  }

  /** Facts waiting: outbox rows and usage rows after the cursor (which must be known). */
  pendingCount(): number {
    return this.outbox.pendingCount() + this.ledger.pendingCount();
  }

  private failed(now: number): void {
    this.failures++;
    const backoff = Math.min(OUTBOX_FLUSH_RETRY_BASE_MS * 2 ** (this.failures - 1), OUTBOX_FLUSH_RETRY_MAX_MS);
    this.retryAt = now + backoff;
  }
}
