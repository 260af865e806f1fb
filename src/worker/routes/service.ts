// The platform backend records what an agent run consumed, for a named user. The user's object
// prices the run from its own copy of the model prices: this route reads no catalog.
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { userIdSchema } from '../http/auth';
import { balanceResponseSchema, usageResponseSchema } from '../openapi/responses';
import { z } from 'zod';
import { idempotencyKeys } from '../../account/contract/keys';
import { settle } from '../http/accountResult';
import { userIdParam } from '../http/auth';
import { jsonBody } from '../http/body';
import { accountOf, traceOf } from '../http/context';
import { agentSlugSchema, idempotencyKey } from '../http/schemas';
import { DESCRIPTION_CHARS_MAX, MODEL_ID_CHARS_MAX, USAGE_TOKENS_PER_FIELD_MAX } from '../../money/limits';
import { presentBalance, presentUsage } from '../present/ledger';

const tokenCount = z.int().min(0).max(USAGE_TOKENS_PER_FIELD_MAX);

export const usageBodySchema = z
  .object({
    agent: agentSlugSchema,
    model: z.string().min(1).max(MODEL_ID_CHARS_MAX),
    input_tokens: tokenCount,
    output_tokens: tokenCount,
    description: z.string().max(DESCRIPTION_CHARS_MAX).optional(),
  })
  .strict();
export type UsageBody = z.infer<typeof usageBodySchema>;

export const serviceRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/service/users/:userId/usage',
    tag: 'Platform',
    caller: 'service',
    summary: 'Record what an agent run consumed, for a named user',
    request: { params: { userId: userIdSchema }, idempotencyKey: 'required', body: usageBodySchema },
    responses: {
      200: {
        description: 'The usage row: tokens charged, balance before and after, cost',
        schema: usageResponseSchema,
      },
    },
    errors: [402, 409, 422, 429],
    account: true,
    handler: async (request, env) => {
      const userId = userIdParam(request);
      const key = idempotencyKey(request, true);
      const body = await jsonBody(request, usageBodySchema);
      const { replayed, result } = await settle(
        request,
        env,
        accountOf(env, userId).recordUsage(
          {
            agent: body.agent,
            model: body.model,
            inputTokens: body.input_tokens,
            outputTokens: body.output_tokens,
            description: body.description,
            idempotencyKey: idempotencyKeys.usage(key),
          },
          traceOf(request),
        ),
      );
      return presentUsage(result, replayed);
    },
  }),

  // The user's balance as the platform sees it before starting a run; it opens the account, as the
  // usage routes do, so a new user shows the allowance they are about to spend from.
  defineRoute({
    method: 'get',
    path: '/api/v1/service/users/:userId/balance',
    tag: 'Platform',
    caller: 'service',
    summary: 'A user’s balance, as GET /tokens/balance shows it to the user',
    request: { params: { userId: userIdSchema } },
    responses: { 200: { description: 'The balance fields', schema: balanceResponseSchema } },
    account: true,
    handler: async (request, env) => {
      const userId = userIdParam(request);
      return presentBalance(
        await settle(request, env, accountOf(env, userId).balance({ openIfNew: true, ...traceOf(request) })),
      );
    },
  }),
];
