// Operators move a user between plans (Stripe subscriptions use the same object method).
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { userIdSchema } from '../http/auth';
import { planChangeResponseSchema } from '../openapi/adminResponses';
import { z } from 'zod';
import { idempotencyKeys } from '../../account/contract/keys';
import { settle } from '../http/accountResult';
import { userIdParam } from '../http/auth';
import { jsonBody } from '../http/body';
import { accountOf, traceOf } from '../http/context';
import { idempotencyKey } from '../http/schemas';
import { DESCRIPTION_CHARS_MAX } from '../../money/limits';
import { iso, presentTransaction } from '../present/ledger';

const planChangeBodySchema = z
  .object({
    plan_id: z.string().min(1).max(64),
    effective: z.enum(['auto', 'now', 'next_reset']).default('auto'),
    reason: z.string().trim().min(1).max(DESCRIPTION_CHARS_MAX).optional(),
  })
  .strict();

export const adminPlanRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'put',
    path: '/api/v1/admin/users/:userId/plan',
    tag: 'Accounts (operators)',
    caller: 'admin',
    summary: 'Move a user to another plan, now or at the next reset',
    request: { params: { userId: userIdSchema }, idempotencyKey: 'optional', body: planChangeBodySchema },
    responses: {
      200: {
        description: '{ plan_id, pending_plan_id, month_reset_date, effective, transaction, replayed }',
        schema: planChangeResponseSchema,
      },
    },
    errors: [404, 409, 503],
    account: true,
    handler: async (request, env) => {
      const userId = userIdParam(request);
      const key = idempotencyKey(request, false);
      const body = await jsonBody(request, planChangeBodySchema);
      const { replayed, result } = await settle(
        request,
        env,
        accountOf(env, userId).changePlan(
          {
            planId: body.plan_id,
            when: body.effective,
            reason: body.reason ?? `Plan change to ${body.plan_id} by an operator`,
            idempotencyKey: key === undefined ? null : idempotencyKeys.adminPlan(key),
          },
          traceOf(request),
        ),
      );
      return {
        plan_id: result.planId,
        pending_plan_id: result.pendingPlanId,
        month_reset_date: iso(result.monthResetAt),
        effective: result.effective,
        transaction: result.transaction === null ? null : presentTransaction(result.transaction),
        replayed,
      };
    },
  }),
];
