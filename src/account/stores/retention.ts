// What the object forgets, and when (the figures are in src/money/limits.ts and docs/analytics.md):
// - outbox rows: as soon as D1 has counted them (factFlusher.ts);
// - usage idempotency keys ('u:…'): USAGE_KEY_REPLAY_WINDOW_MS after their ledger row, so a replay
//   within the window still answers the first result, and the log stays small;
// - reservation keys ('hold:…', 'hold-commit:…', 'hold-release:…'): the same window after the
//   reservation was opened, once it is settled (a settled reservation refuses a second, different
//   settlement by itself);
// - ledger rows: kept (the per-day rollup already summarises them; pruning them would need the audit
//   to start from a carried-forward summary).
// Keys that guard credits (Stripe events and checkouts, promo codes and attempts, admin grants and
// plan changes) are never dropped: replaying one must never credit twice.
import { RETENTION_PASS_INTERVAL_MS, USAGE_KEY_REPLAY_WINDOW_MS } from '../../money/limits';
import type { Sql } from './sql';

// Every usage key starts 'u:' (contract/keys.ts); ';' follows ':' in ASCII, so [u:, u;) is exactly them.
const USAGE_KEYS_FROM = 'u:';
const USAGE_KEYS_TO = 'u;';

export class Retention {
  /** When the last pass ran (in memory: a woken object runs one on its first alarm). */
  private lastPassAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly sql: Sql) {}

  /** Run a pass if the last was RETENTION_PASS_INTERVAL_MS ago or more; returns the keys dropped. */
  maybeRun(now: number): number {
    if (now - this.lastPassAt < RETENTION_PASS_INTERVAL_MS) return 0;
    this.lastPassAt = now;
    const before = now - USAGE_KEY_REPLAY_WINDOW_MS;
    return this.dropUsageKeys(before) + this.dropReservationKeys(before);
  }

  /** Drop the keys of reservations opened before `before` (epoch ms) and settled since. */
  dropReservationKeys(before: number): number {
    const old = "SELECT id FROM holds WHERE created_at < ? AND status <> 'open'";
    this.sql.run(
      'retention reservation keys',
      `DELETE FROM idempotency_keys WHERE key >= 'hold:' AND key < 'hold;' AND CAST(outcome AS INTEGER) IN (${old})`,
      before,
    );
    let dropped = this.sql.one<{ n: number }>('retention dropped', 'SELECT changes() AS n').n;
    for (const prefix of ['hold-commit:', 'hold-release:']) {
      this.sql.run(
        'retention reservation settlement keys',
        `DELETE FROM idempotency_keys WHERE key >= ? AND key < ? AND CAST(substr(key, ?) AS INTEGER) IN (${old})`,
        prefix,
        prefix.slice(0, -1) + ';',
        prefix.length + 1,
        before,
      );
      dropped += this.sql.one<{ n: number }>('retention dropped', 'SELECT changes() AS n').n;
    }
    return dropped;
  }

  /**
   * Drop usage keys whose ledger row is older than `before` (epoch ms). Ledger times never go back
   * as seq grows, so one seq splits old from recent; reading from the newest row backwards stops at
   * the first old one, so the pass costs the window's rows, not the log's.
   */
  dropUsageKeys(before: number): number {
    const boundary = this.sql.first<{ seq: number }>(
      'retention boundary',
      'SELECT seq FROM transactions WHERE at < ? ORDER BY seq DESC LIMIT 1',
      before,
    );
    if (!boundary) return 0;
    this.sql.run(
      'retention usage keys',
      'DELETE FROM idempotency_keys WHERE key >= ? AND key < ? AND seq <= ?',
      USAGE_KEYS_FROM,
      USAGE_KEYS_TO,
      boundary.seq,
    );
    return this.sql.one<{ n: number }>('retention dropped', 'SELECT changes() AS n').n;
  }
}
