// The D1 side of a redemption: a slot per (code, user) under the code's cap. Every change to a
// slot row and to `promo_codes.redeemed_count` happens in one D1 batch (one transaction; D1 runs
// a database's queries one at a time), so the count always equals the number of slot rows.
import { PROMO_RECONCILE_BATCH_MAX, PROMO_RESERVATION_STALE_MS } from '../../money/limits';
import { parseRow, parseRows } from './d1Rows';
import { promoCodeRowSchema, redemptionRowSchema, type PromoCodeRow, type RedemptionRow } from './rules';

interface ReserveResult {
  code: PromoCodeRow | null;
  slot: RedemptionRow | null;
}

/**
 * Take a slot for `userId` when the code is active, inside its window, under its cap and the user
 * has none yet; the slot copies the code's terms. Returns the code and the user's slot as they
 * stand after the attempt (the slot is ours when its attempt_id is `attemptId`).
 */
export async function reserveSlot(
  db: D1Database,
  code: string,
  userId: string,
  attemptId: string,
  now: number,
): Promise<ReserveResult> {
  const at = new Date(now).toISOString();
  const [, , codeResult, slotResult] = await db.batch([
    db
      .prepare(
        `INSERT INTO promo_redemptions (code, user_id, attempt_id, status, bonus_tokens, grant_validity_days, allowed_plans, reserved_at)
         SELECT code, ?2, ?3, 'reserved', bonus_tokens, grant_validity_days, allowed_plans, ?4 FROM promo_codes
         WHERE code = ?1 AND active = 1
           AND (valid_from IS NULL OR valid_from <= ?5) AND (valid_until IS NULL OR valid_until > ?5)
           AND (max_redemptions IS NULL OR redeemed_count < max_redemptions)
         ON CONFLICT (code, user_id) DO NOTHING`,
      )
      .bind(code, userId, attemptId, now, at),
    // Counts the row only if this attempt inserted it.
    db
      .prepare(
        `UPDATE promo_codes SET redeemed_count = redeemed_count + 1
         WHERE code = ?1 AND EXISTS (SELECT 1 FROM promo_redemptions WHERE code = ?1 AND user_id = ?2 AND attempt_id = ?3)`,
      )
      .bind(code, userId, attemptId),
    db.prepare('SELECT * FROM promo_codes WHERE code = ?').bind(code),
    db.prepare('SELECT * FROM promo_redemptions WHERE code = ? AND user_id = ?').bind(code, userId),
  ]);
  return {
    code: parseRow(promoCodeRowSchema, codeResult?.results[0], 'promo_codes'),
    slot: parseRow(redemptionRowSchema, slotResult?.results[0], 'promo_redemptions'),
  };
}

/**
 * Claim an orphaned reservation so that exactly one caller finishes it: succeeds only while the
 * slot is still reserved under the same attempt and still stale. Returns whether we hold it now.
 */
export async function claimOrphan(db: D1Database, slot: RedemptionRow, now: number): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE promo_redemptions SET reserved_at = ?4
       WHERE code = ?1 AND user_id = ?2 AND attempt_id = ?3 AND status = 'reserved' AND reserved_at <= ?5`,
    )
    .bind(slot.code, slot.user_id, slot.attempt_id, now, now - PROMO_RESERVATION_STALE_MS)
    .run();
  return result.meta.changes === 1;
}

/** The user's object credited the attempt: the slot is used for good. Idempotent. */
export async function commitSlot(db: D1Database, slot: RedemptionRow, now: number): Promise<void> {
  await db
    .prepare(
      `UPDATE promo_redemptions SET status = 'committed', committed_at = ?4 WHERE code = ?1 AND user_id = ?2 AND attempt_id = ?3 AND status = 'reserved'`,
    )
    .bind(slot.code, slot.user_id, slot.attempt_id, now)
    .run();
}

/** The user's object refused the attempt (nothing was credited): give the slot back. Idempotent. */
export async function releaseSlot(db: D1Database, slot: RedemptionRow): Promise<void> {
  const mine = `EXISTS (SELECT 1 FROM promo_redemptions WHERE code = ?1 AND user_id = ?2 AND attempt_id = ?3 AND status = 'reserved')`;
  await db.batch([
    db
      .prepare(`UPDATE promo_codes SET redeemed_count = redeemed_count - 1 WHERE code = ?1 AND ${mine}`)
      .bind(slot.code, slot.user_id, slot.attempt_id),
    db
      .prepare(
        `DELETE FROM promo_redemptions WHERE code = ?1 AND user_id = ?2 AND attempt_id = ?3 AND status = 'reserved'`,
      )
      .bind(slot.code, slot.user_id, slot.attempt_id),
  ]);
}

/** Orphaned reservations, oldest first: of one code, or of every code when `code` is null. */
export async function orphanedSlots(db: D1Database, code: string | null, now: number): Promise<RedemptionRow[]> {
  const cutoff = now - PROMO_RESERVATION_STALE_MS;
  const statement =
    code === null
      ? db
          .prepare(
            `SELECT * FROM promo_redemptions WHERE status = 'reserved' AND reserved_at <= ? ORDER BY reserved_at LIMIT ?`,
          )
          .bind(cutoff, PROMO_RECONCILE_BATCH_MAX)
      : db
          .prepare(
            `SELECT * FROM promo_redemptions WHERE status = 'reserved' AND reserved_at <= ? AND code = ? ORDER BY reserved_at LIMIT ?`,
          )
          .bind(cutoff, code, PROMO_RECONCILE_BATCH_MAX);
  return parseRows(redemptionRowSchema, (await statement.all()).results, 'promo_redemptions');
}
