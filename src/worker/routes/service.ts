// The platform backend records what an agent run consumed, for a named user. The user's object
// prices the run from its own copy of the model prices: this route reads no catalog.
import type { RouterType } from 'itty-router';
import { z } from 'zod';
import { idempotencyKeys } from '../../account/contract/keys';
import type { Env } from '../../env';
import { settle } from '../http/accountResult';
import { userIdParam } from '../http/auth';
import { jsonBody } from '../http/body';
import { accountOf, type ApiRequest } from '../http/context';
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

export function registerServiceRoutes(router: RouterType<ApiRequest, [Env, ExecutionContext]>): void {
  router.post('/api/v1/service/users/:userId/usage', async (request, env) => {
    const userId = userIdParam(request);
    const key = idempotencyKey(request, true);
    const body = await jsonBody(request, usageBodySchema);
    const { replayed, result } = await settle(
      request,
      env,
      accountOf(env, userId).recordUsage({
        agent: body.agent,
        model: body.model,
        inputTokens: body.input_tokens,
        outputTokens: body.output_tokens,
        description: body.description,
        idempotencyKey: idempotencyKeys.usage(key),
      }),
    );
    return presentUsage(result, replayed);
  });

  // The user's balance as the platform sees it before starting a run; it opens the account, as the
  // usage routes do, so a new user shows the allowance they are about to spend from.
  router.get('/api/v1/service/users/:userId/balance', async (request, env) => {
    const userId = userIdParam(request);
    return presentBalance(await settle(request, env, accountOf(env, userId).balance({ openIfNew: true })));
  });
}
