// Operators: manual grants, and one user's analytics and audit. Reads of a user with no account
// answer 404 and open none.
import { json, type RouterType } from 'itty-router';
import { z } from 'zod';
import { idempotencyKeys } from '../../account/contract/keys';
import type { Env } from '../../env';
import { ApiError } from '../http/errors';
import { settle } from '../http/accountResult';
import { userIdParam } from '../http/auth';
import { jsonBody } from '../http/body';
import { accountOf, type ApiRequest } from '../http/context';
import { idempotencyKey, isoDateTimeSchema } from '../http/schemas';
import { DESCRIPTION_CHARS_MAX, GRANT_TOKENS_MAX } from '../../money/limits';
import { presentAnalytics } from '../present/analytics';
import { presentGrant, presentTransaction } from '../present/ledger';

export const grantBodySchema = z
  .object({
    tokens: z.int().min(1).max(GRANT_TOKENS_MAX),
    reason: z.string().trim().min(1).max(DESCRIPTION_CHARS_MAX),
    expires_at: isoDateTimeSchema.optional(),
  })
  .strict();
export type GrantBody = z.infer<typeof grantBodySchema>;

export function registerAdminRoutes(router: RouterType<ApiRequest, [Env, ExecutionContext]>): void {
  router.post('/api/v1/admin/users/:userId/grants', async (request, env) => {
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
      accountOf(env, userId).credit({
        source: 'bonus',
        transactionType: 'bonus',
        tokens: body.tokens,
        description: body.reason,
        expiresAt,
        idempotencyKey: key === undefined ? null : idempotencyKeys.adminGrant(key),
      }),
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
  });

  router.get('/api/v1/admin/users/:userId/analytics', async (request, env) => {
    const userId = userIdParam(request);
    return { user_id: userId, ...presentAnalytics(await settle(request, env, accountOf(env, userId).analytics())) };
  });

  router.get('/api/v1/admin/users/:userId/audit', async (request, env) => {
    const userId = userIdParam(request);
    const report = await settle(request, env, accountOf(env, userId).audit());
    return {
      user_id: userId,
      ok: report.ok,
      balance_from_grants: report.balanceFromGrants,
      balance_from_log: report.balanceFromLog,
      transactions: report.transactions,
      grants: report.grants,
      problems: report.problems,
    };
  });
}
