// Operators' reads and writes of D1 `promo_codes`, with the redemption counts beside each code.
import { ADMIN_LIST_PAGE_SIZE_MAX } from '../../money/limits';
import { z } from 'zod';
import { parseRow, parseRows } from './d1Rows';
import { promoCodeRowSchema, type PromoCodeRow } from './rules';
import type { PromoCreate, PromoPatch } from './terms';

const withCountsSchema = promoCodeRowSchema.extend({ pending_redemptions: z.number().int() });
type PromoCodeWithCounts = z.infer<typeof withCountsSchema>;

const WITH_COUNTS = `SELECT c.*, (SELECT COUNT(*) FROM promo_redemptions r WHERE r.code = c.code AND r.status = 'reserved') AS pending_redemptions
  FROM promo_codes c`;

type Value = string | number | null;

function toColumns(terms: Partial<PromoCreate>): [string, Value][] {
  return Object.entries(terms).map(([column, value]) => {
    if (Array.isArray(value)) return [column, JSON.stringify(value)];
    if (typeof value === 'boolean') return [column, value ? 1 : 0];
    return [column, (value ?? null) as Value];
  });
}

/** The new code, or null when the code exists already. */
export async function insertPromoCode(db: D1Database, terms: PromoCreate): Promise<PromoCodeRow | null> {
  const columns = toColumns(terms);
  return db
    .prepare(
      `INSERT INTO promo_codes (${columns.map(([c]) => c).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
       ON CONFLICT (code) DO NOTHING RETURNING *`,
    )
    .bind(...columns.map(([, v]) => v))
    .first()
    .then((row) => parseRow(promoCodeRowSchema, row, 'promo_codes'));
}

/**
 * Apply `patch`; a new cap must not fall below the slots already taken (checked in the same
 * statement, so a redemption racing this update cannot slip under it). Null when nothing matched.
 */
export async function updatePromoCode(db: D1Database, code: string, patch: PromoPatch): Promise<PromoCodeRow | null> {
  const columns = toColumns(patch);
  const cap = patch.max_redemptions ?? null;
  return db
    .prepare(
      `UPDATE promo_codes SET ${columns.map(([c]) => `${c} = ?`).join(', ')} WHERE code = ? AND (? IS NULL OR redeemed_count <= ?) RETURNING *`,
    )
    .bind(...columns.map(([, v]) => v), code, cap, cap)
    .first()
    .then((row) => parseRow(promoCodeRowSchema, row, 'promo_codes'));
}

export async function getPromoCode(db: D1Database, code: string): Promise<PromoCodeWithCounts | null> {
  const row = await db.prepare(`${WITH_COUNTS} WHERE c.code = ?`).bind(code).first();
  return parseRow(withCountsSchema, row, 'promo_codes');
}

/** Codes in order after `afterCode`, at most `limit` (≤ ADMIN_LIST_PAGE_SIZE_MAX); `active` filters when given. */
export async function listPromoCodes(
  db: D1Database,
  limit: number,
  afterCode: string | undefined,
  active: boolean | undefined,
): Promise<PromoCodeWithCounts[]> {
  const page = Math.min(limit, ADMIN_LIST_PAGE_SIZE_MAX);
  const activeFilter = active === undefined ? '' : `AND c.active = ${active ? 1 : 0}`;
  const { results } = await db
    .prepare(`${WITH_COUNTS} WHERE c.code > ? ${activeFilter} ORDER BY c.code LIMIT ?`)
    .bind(afterCode ?? '', page)
    .all();
  return parseRows(withCountsSchema, results, 'promo_codes');
}

/** An operator's view: counts, what is left under the cap, decoded plans and flag. */
export function promoCodeView(row: PromoCodeWithCounts) {
  return {
    code: row.code,
    bonus_tokens: row.bonus_tokens,
    max_redemptions: row.max_redemptions,
    redeemed_count: row.redeemed_count,
    pending_redemptions: row.pending_redemptions,
    remaining_redemptions: row.max_redemptions === null ? null : Math.max(0, row.max_redemptions - row.redeemed_count),
    valid_from: row.valid_from,
    valid_until: row.valid_until,
    grant_validity_days: row.grant_validity_days,
    allowed_plans: row.allowed_plans === null ? null : (JSON.parse(row.allowed_plans) as string[]),
    active: row.active === 1,
    created_at: row.created_at,
  };
}
