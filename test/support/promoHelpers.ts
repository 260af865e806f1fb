import { env } from 'cloudflare:test';
import { asAdmin, asUser } from './helpers';

/** POST /tokens/redeem-code as `userId`, from `ip` when given (CF-Connecting-IP). */
export function redeem(userId: string, promoCode: unknown, ip?: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (ip) headers['CF-Connecting-IP'] = ip;
  return asUser(userId, '/api/v1/tokens/redeem-code', {
    method: 'POST',
    headers,
    body: JSON.stringify({ promo_code: promoCode }),
  });
}

let codeCounter = 0;
/** A promo code no other test uses. */
export function newCode(prefix = 'T'): string {
  return `${prefix}${Date.now().toString(36)}${++codeCounter}${crypto.randomUUID().slice(0, 4)}`
    .toUpperCase()
    .slice(0, 32);
}

let ipCounter = 0;
/** A client address no other test uses. */
export function newIp(): string {
  ipCounter++;
  return `10.${Math.floor(Math.random() * 200)}.${Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
}

export function adminJson(method: string, path: string, body?: unknown): Promise<Response> {
  return asAdmin(path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Create a code through the admin API; throws unless it was created. */
export async function createCode(terms: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await adminJson('POST', '/api/v1/admin/promo-codes', terms);
  if (response.status !== 201) throw new Error(`create code: ${response.status} ${await response.text()}`);
  return response.json<any>();
}

export async function codeRow(code: string): Promise<Record<string, any> | null> {
  return env.DB.prepare('SELECT * FROM promo_codes WHERE code = ?').bind(code).first();
}

export async function slotRows(code: string): Promise<Record<string, any>[]> {
  return (await env.DB.prepare('SELECT * FROM promo_redemptions WHERE code = ? ORDER BY reserved_at').bind(code).all())
    .results;
}

/** Move a user to another plan at once (an upgrade tops the month up to the new allowance). */
export async function putOnPlan(userId: string, planId: string): Promise<void> {
  const response = await adminJson('PUT', `/api/v1/admin/users/${encodeURIComponent(userId)}/plan`, {
    plan_id: planId,
    effective: 'now',
  });
  if (response.status !== 200) throw new Error(`plan change: ${response.status} ${await response.text()}`);
}

/** Age every reservation of `code` by `ms`, as if that much time had passed since it was taken. */
export async function ageReservations(code: string, ms: number): Promise<void> {
  await env.DB.prepare(
    "UPDATE promo_redemptions SET reserved_at = reserved_at - ? WHERE code = ? AND status = 'reserved'",
  )
    .bind(ms, code)
    .run();
}
