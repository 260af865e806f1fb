import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { SignJWT } from 'jose';
import { expect } from 'vitest';
import type { UserAccount } from '../../src/account/UserAccount';
import { expectConforms } from './documented';

const BASE = 'https://tokens.test';

let userCounter = 0;
/** A user id no other test uses. */
export function newUserId(prefix = 'user'): string {
  return `${prefix}-${Date.now().toString(36)}-${++userCounter}-${crypto.randomUUID().slice(0, 8)}`;
}

/** An HS256 JWT for `userId`, signed with the test JWT_SECRET. */
export async function userToken(
  userId: string,
  opts: { expiresInSeconds?: number; secret?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.expiresInSeconds ?? 3600))
    .sign(new TextEncoder().encode(opts.secret ?? env.JWT_SECRET!));
}

/**
 * A request to the Worker. Every answer is checked against the served OpenAPI document first
 * (documented.ts), so a route test that gets an answer the document does not describe fails.
 */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await SELF.fetch(`${BASE}${path}`, init);
  await expectConforms(init.method ?? 'GET', path, response);
  return response;
}

export async function asUser(userId: string, path: string, init: RequestInit = {}): Promise<Response> {
  return call(path, { ...init, headers: { Authorization: `Bearer ${await userToken(userId)}`, ...init.headers } });
}

export function asAdmin(path: string, init: RequestInit = {}): Promise<Response> {
  return call(path, { ...init, headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}`, ...init.headers } });
}

export interface UsageBody {
  agent: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  description?: string;
}

export function postUsage(userId: string, body: unknown, key: string | null = crypto.randomUUID()): Promise<Response> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${env.SERVICE_TOKEN}`,
    'Content-Type': 'application/json',
  };
  if (key !== null) headers['Idempotency-Key'] = key;
  return call(`/api/v1/service/users/${encodeURIComponent(userId)}/usage`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
}

export function grantTokens(userId: string, body: unknown, key?: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (key) headers['Idempotency-Key'] = key;
  return asAdmin(`/api/v1/admin/users/${encodeURIComponent(userId)}/grants`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
}

export async function balanceOf(userId: string): Promise<Record<string, unknown>> {
  const response = await asUser(userId, '/api/v1/tokens/balance');
  if (response.status !== 200) throw new Error(`balance: ${response.status} ${await response.text()}`);
  return response.json<any>();
}

export async function auditOf(
  userId: string,
): Promise<{ ok: boolean; problems: string[]; balance_from_grants: number; balance_from_log: number }> {
  const response = await asAdmin(`/api/v1/admin/users/${encodeURIComponent(userId)}/audit`);
  if (response.status !== 200) throw new Error(`audit: ${response.status} ${await response.text()}`);
  return response.json<any>();
}

export function accountStub(userId: string) {
  return env.USER_ACCOUNT.get(env.USER_ACCOUNT.idFromName(userId));
}

export function setPlan(
  userId: string,
  planId: string,
  effective: 'auto' | 'now' | 'next_reset' = 'auto',
  key?: string,
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (key) headers['Idempotency-Key'] = key;
  return asAdmin(`/api/v1/admin/users/${encodeURIComponent(userId)}/plan`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ plan_id: planId, effective }),
  });
}

export type AccountStub = ReturnType<typeof accountStub>;

/** Make the object believe it is `at` (epoch ms): its only clock is `UserAccount.clock`. */
export async function setClock(stub: AccountStub, at: number): Promise<void> {
  await runInDurableObject(stub, (instance) => {
    (instance as UserAccount).clock = () => at;
  });
}

/** The object's audit finds nothing wrong. */
export async function expectAuditOk(stub: AccountStub): Promise<void> {
  const audit = await stub.audit();
  if (!audit.ok) throw new Error(`audit: ${audit.failure.message}`);
  expect(audit.value.problems).toEqual([]);
  expect(audit.value.ok).toBe(true);
}

/** A new paid plan in the catalog (30,000 tokens a month, ₹199), created by an operator; its id. */
export async function createPaidPlan(prefix: string): Promise<string> {
  const id = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  const plan = {
    id,
    name: 'Retired',
    tokens_per_month: 30000,
    rollover_cap_tokens: 0,
    price_paise: 19900,
    max_tokens_per_request: 8192,
    max_requests_per_day: 100,
  };
  const response = await asAdmin('/api/v1/admin/plans', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(plan),
  });
  expect(response.status).toBe(201);
  return id;
}
