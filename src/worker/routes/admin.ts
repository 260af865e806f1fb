// Operators: manual grants, and one user's analytics and audit. Reads of a user with no account
// answer 404 and open none.
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { userIdSchema } from '../http/auth';
import { adminAnalyticsResponseSchema, adminGrantResponseSchema, auditResponseSchema } from '../openapi/responses';
import { json } from 'itty-router';
import { z } from 'zod';
import { idempotencyKeys } from '../../account/contract/keys';
import { ApiError } from '../http/errors';
import { settle } from '../http/accountResult';
import { userIdParam } from '../http/auth';
import { jsonBody } from '../http/body';
import { accountOf, traceOf } from '../http/context';
import { idempotencyKey, isoDateTimeSchema } from '../http/schemas';
import { DESCRIPTION_CHARS_MAX, GRANT_TOKENS_MAX } from '../../money/limits';
import { presentAnalytics } from '../present/analytics';
import { presentGrant, presentTransaction } from '../present/ledger';

const grantBodySchema = z
  .object({
    tokens: z.int().min(1).max(GRANT_TOKENS_MAX),
    reason: z.string().trim().min(1).max(DESCRIPTION_CHARS_MAX),
    expires_at: isoDateTimeSchema.optional(),
  })
  .strict();

export const adminRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/admin/users/:userId/grants',
    tag: 'Accounts (operators)',
    caller: 'admin',
    summary: 'Credit a user by hand',
    request: { params: { userId: userIdSchema }, idempotencyKey: 'optional', body: grantBodySchema },
    responses: {
      201: { description: '{ grant, transaction, remaining_tokens, replayed }', schema: adminGrantResponseSchema },
    },
    errors: [409],
    account: true,
    handler: async (request, env) => {
      const userId = userIdParam(request);
      const key = idempotencyKey(request, false);
      const body = await jsonBody(request, grantBodySchema);
      const expiresAt = body.expires_at === undefined ? null : Date.parse(body.expires_at);
      if (expiresAt !== null && expiresAt <= Date.now()) {
        throw new ApiError('invalid_request', 'expires_at: must be in the future.', {
          issues: [{ field: 'expires_at', message: 'must be in the future' }],
        });
      }
      const { replayed, result } = await settle(
        request,
        env,
        accountOf(env, userId).credit(
          {
            source: 'bonus',
            transactionType: 'bonus',
            tokens: body.tokens,
            description: body.reason,
            expiresAt,
            idempotencyKey: key === undefined ? null : idempotencyKeys.adminGrant(key),
          },
          traceOf(request),
        ),
      );
      return json(
        {
          grant: presentGrant(result.grant),
          transaction: presentTransaction(result.transaction),
          remaining_tokens: request.snapshot!.remainingTokens,
          replayed,
        },
        { status: 201 },
      );
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/users/:userId/analytics',
    tag: 'Accounts (operators)',
    caller: 'admin',
    summary: 'Any user’s analytics',
    request: { params: { userId: userIdSchema } },
    responses: { 200: { description: 'As GET /tokens/analytics, with user_id', schema: adminAnalyticsResponseSchema } },
    errors: [404],
    account: true,
    handler: async (request, env) => {
      const userId = userIdParam(request);
      return {
        user_id: userId,
        ...presentAnalytics(await settle(request, env, accountOf(env, userId).analytics(traceOf(request)))),
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/admin/users/:userId/audit',
    tag: 'Accounts (operators)',
    caller: 'admin',
    summary: 'Recompute a balance from the grants and from the log',
    request: { params: { userId: userIdSchema } },
    responses: {
      200: { description: '{ ok, balance_from_grants, balance_from_log, problems, ... }', schema: auditResponseSchema },
    },
    errors: [404],
    account: true,
    handler: async (request, env) => {
      const userId = userIdParam(request);
      const report = await settle(request, env, accountOf(env, userId).audit(traceOf(request)));
      return {
        user_id: userId,
        ok: report.ok,
        balance_from_grants: report.balanceFromGrants,
        balance_from_log: report.balanceFromLog,
        transactions: report.transactions,
        grants: report.grants,
        problems: report.problems,
      };
    },
  }),
];
