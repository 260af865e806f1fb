// Operators: create, change, deactivate and list promo codes, with their redemption counts.
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { promoCodeListSchema, promoCodeSchema as promoCodeViewSchema } from '../openapi/adminResponses';
import { json } from 'itty-router';
import { z } from 'zod';
import { ApiError } from '../http/errors';
import { jsonBody, parseWith } from '../http/body';
import type { ApiRequest } from '../http/context';
import { ADMIN_LIST_PAGE_SIZE_DEFAULT, ADMIN_LIST_PAGE_SIZE_MAX } from '../../money/limits';
import { promoCodeSchema } from '../promo/code';
import { getPromoCode, insertPromoCode, listPromoCodes, promoCodeView, updatePromoCode } from '../promo/codes';
import { assertPlansExist, assertWindow, promoCreateSchema, promoPatchSchema, type PromoPatch } from '../promo/terms';

const promoListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(ADMIN_LIST_PAGE_SIZE_MAX).default(ADMIN_LIST_PAGE_SIZE_DEFAULT),
    cursor: promoCodeSchema.optional(),
    active: z.enum(['true', 'false']).optional(),
  })
  .strict();

const BASE = '/api/v1/admin/promo-codes';

export const adminPromoRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'get',
    path: BASE,
    tag: 'Promo codes (operators)',
    caller: 'admin',
    summary: 'List promo codes',
    request: { query: promoListQuerySchema },
    responses: { 200: { description: '{ promo_codes, next_cursor }', schema: promoCodeListSchema } },
    handler: async (request, env) => {
      const query = parseWith(promoListQuerySchema, request.query, 'query');
      const rows = await listPromoCodes(
        env.DB,
        query.limit,
        query.cursor,
        query.active === undefined ? undefined : query.active === 'true',
      );
      return {
        promo_codes: rows.map(promoCodeView),
        next_cursor: rows.length === query.limit ? rows[rows.length - 1]!.code : null,
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: `${BASE}/:code`,
    tag: 'Promo codes (operators)',
    caller: 'admin',
    summary: 'Read one promo code',
    request: { params: { code: promoCodeSchema } },
    responses: { 200: { description: 'The code with its redemption counts', schema: promoCodeViewSchema } },
    errors: [404],
    handler: async (request, env) => {
      return promoCodeView(await existing(env.DB, codeParam(request)));
    },
  }),

  defineRoute({
    method: 'post',
    path: BASE,
    tag: 'Promo codes (operators)',
    caller: 'admin',
    summary: 'Create a promo code',
    request: { body: promoCreateSchema },
    responses: { 201: { description: 'The new code', schema: promoCodeViewSchema } },
    errors: [409],
    handler: async (request, env) => {
      const terms = await jsonBody(request, promoCreateSchema);
      assertWindow(terms.valid_from, terms.valid_until);
      await assertPlansExist(env.DB, terms.allowed_plans);
      if (!(await insertPromoCode(env.DB, terms))) {
        throw new ApiError(
          'already_exists',
          `The promo code '${terms.code}' already exists; change it with PATCH ${BASE}/${terms.code}.`,
        );
      }
      return json(promoCodeView(await existing(env.DB, terms.code)), { status: 201 });
    },
  }),

  defineRoute({
    method: 'patch',
    path: `${BASE}/:code`,
    tag: 'Promo codes (operators)',
    caller: 'admin',
    summary: 'Change any field of a promo code but the code',
    request: { params: { code: promoCodeSchema }, body: promoPatchSchema },
    responses: { 200: { description: 'The code as changed', schema: promoCodeViewSchema } },
    errors: [404, 409],
    handler: async (request, env) => {
      const code = codeParam(request);
      const patch = await jsonBody(request, promoPatchSchema);
      return promoCodeView(await change(env.DB, code, patch));
    },
  }),

  // Deactivation, never deletion: redemptions keep pointing at the code.
  defineRoute({
    method: 'delete',
    path: `${BASE}/:code`,
    tag: 'Promo codes (operators)',
    caller: 'admin',
    summary: 'Deactivate a promo code',
    request: { params: { code: promoCodeSchema } },
    responses: { 200: { description: 'The code, active: false', schema: promoCodeViewSchema } },
    errors: [404],
    handler: async (request, env) => {
      return promoCodeView(await change(env.DB, codeParam(request), { active: false }));
    },
  }),
];

async function change(db: D1Database, code: string, patch: PromoPatch) {
  const current = await existing(db, code);
  assertWindow(
    patch.valid_from !== undefined ? patch.valid_from : current.valid_from,
    patch.valid_until !== undefined ? patch.valid_until : current.valid_until,
  );
  await assertPlansExist(db, patch.allowed_plans);
  if (!(await updatePromoCode(db, code, patch))) {
    const now = await existing(db, code);
    throw new ApiError(
      'conflict',
      `max_redemptions: ${patch.max_redemptions} is below the ${now.redeemed_count} redemptions already made.`,
      {
        issues: [{ field: 'max_redemptions', message: `must be at least ${now.redeemed_count}` }],
        redeemed_count: now.redeemed_count,
      },
    );
  }
  return existing(db, code);
}

async function existing(db: D1Database, code: string) {
  const row = await getPromoCode(db, code);
  if (!row) throw new ApiError('not_found', `No promo code '${code}'.`);
  return row;
}

function codeParam(request: ApiRequest): string {
  let raw = request.params.code ?? '';
  try {
    raw = decodeURIComponent(raw);
  } catch {
    // Left as sent: the schema below refuses it and names the field.
  }
  return parseWith(promoCodeSchema, raw, 'code');
}
