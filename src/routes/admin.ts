// Operators: manual grants and the audit of one user's ledger.
import { json, type RouterType } from 'itty-router';
import { z } from 'zod';
import type { Env } from '../env';
import { ApiError } from '../errors';
import { requireBearer, userIdParam } from '../http/auth';
import { jsonBody } from '../http/body';
import { accountOf, type ApiRequest } from '../http/context';
import { idempotencyKey, isoDateTimeSchema } from '../http/schemas';
import { DESCRIPTION_CHARS_MAX, GRANT_TOKENS_MAX } from '../limits';

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
    await requireBearer(request, env.ADMIN_TOKEN, 'admin');
    const userId = userIdParam(request);
    const key = idempotencyKey(request, false);
    const body = await jsonBody(request, grantBodySchema);
    const expiresAt = body.expires_at === undefined ? null : Date.parse(body.expires_at);
    if (expiresAt !== null && expiresAt <= Date.now()) {
      throw new ApiError('invalid_request', 'expires_at: must be in the future.', {
        issues: [{ field: 'expires_at', message: 'must be in the future' }],
      });
    }

    const outcome = await accountOf(env, userId).credit({
      source: 'bonus',
      transactionType: 'bonus',
      tokens: body.tokens,
      description: body.reason,
      expiresAt,
      externalRef: key === undefined ? null : `admin:${key}`,
    });
    request.snapshot = outcome.snapshot;
    if (!outcome.ok)
      throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was already used for a different grant.');
    return json(
      {
        grant: outcome.grant,
        transaction: outcome.transaction,
        remaining_tokens: outcome.snapshot.remainingTokens,
        replayed: outcome.replayed,
      },
      { status: 201 },
    );
  });

  router.get('/api/v1/admin/users/:userId/analytics', async (request, env) => {
    await requireBearer(request, env.ADMIN_TOKEN, 'admin');
    const userId = userIdParam(request);
    const { analytics, snapshot } = await accountOf(env, userId).analytics();
    request.snapshot = snapshot;
    return { user_id: userId, ...analytics };
  });

  router.get('/api/v1/admin/users/:userId/audit', async (request, env) => {
    await requireBearer(request, env.ADMIN_TOKEN, 'admin');
    const userId = userIdParam(request);
    const { snapshot, ...report } = await accountOf(env, userId).audit();
    request.snapshot = snapshot;
    return { user_id: userId, ...report };
  });
}
