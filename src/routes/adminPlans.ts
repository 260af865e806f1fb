// Operators move a user between plans (the purchase flow uses the same object method).
import type { RouterType } from 'itty-router';
import { z } from 'zod';
import type { Env } from '../env';
import { ApiError } from '../errors';
import { requireBearer, userIdParam } from '../http/auth';
import { jsonBody } from '../http/body';
import { accountOf, type ApiRequest } from '../http/context';
import { idempotencyKey } from '../http/schemas';
import { DESCRIPTION_CHARS_MAX } from '../limits';

export const planChangeBodySchema = z
  .object({
    plan_id: z.string().min(1).max(64),
    effective: z.enum(['auto', 'now', 'next_reset']).default('auto'),
    reason: z.string().trim().min(1).max(DESCRIPTION_CHARS_MAX).optional(),
  })
  .strict();
export type PlanChangeBody = z.infer<typeof planChangeBodySchema>;

export function registerAdminPlanRoutes(router: RouterType<ApiRequest, [Env, ExecutionContext]>): void {
  router.put('/api/v1/admin/users/:userId/plan', async (request, env) => {
    await requireBearer(request, env.ADMIN_TOKEN, 'admin');
    const userId = userIdParam(request);
    const key = idempotencyKey(request, false);
    const body = await jsonBody(request, planChangeBodySchema);
    const outcome = await accountOf(env, userId).changePlan({
      planId: body.plan_id,
      when: body.effective,
      reason: body.reason ?? `Plan change to ${body.plan_id} by an operator`,
      externalRef: key === undefined ? null : `admin:${key}`,
    });
    request.snapshot = outcome.snapshot;
    if (!outcome.ok) {
      if (outcome.error === 'unknown_plan') {
        throw new ApiError('not_found', `plan_id: no active plan '${body.plan_id}'.`, {
          issues: [{ field: 'plan_id', message: 'unknown or retired plan' }],
        });
      }
      throw new ApiError(
        'idempotency_key_reused',
        'This Idempotency-Key was already used for a different plan change.',
      );
    }
    return {
      ...outcome.plan,
      effective: outcome.effective,
      transaction: outcome.transaction,
      replayed: outcome.replayed,
    };
  });
}
