// The platform backend records what an agent run consumed, for a named user.
import type { RouterType } from 'itty-router';
import { z } from 'zod';
import type { TransactionView } from '../account/types';
import { getCatalog, type Catalog } from '../catalog/catalog';
import type { Env } from '../env';
import { ApiError } from '../errors';
import { requireBearer, userIdParam } from '../http/auth';
import { jsonBody } from '../http/body';
import { accountOf, type ApiRequest } from '../http/context';
import { agentSlugSchema, idempotencyKey } from '../http/schemas';
import { DESCRIPTION_CHARS_MAX, MODEL_ID_CHARS_MAX, USAGE_TOKENS_PER_FIELD_MAX } from '../limits';
import { presentPackage } from './presentCatalog';

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
    await requireBearer(request, env.SERVICE_TOKEN, 'service');
    const userId = userIdParam(request);
    const key = idempotencyKey(request, true);
    const body = await jsonBody(request, usageBodySchema);
    const catalog = await getCatalog(env.DB);
    const model = catalog.models.get(body.model);
    if (!model) {
      throw new ApiError(
        'invalid_request',
        `model: unknown model '${body.model}'; known: ${[...catalog.models.keys()].join(', ')}.`,
        {
          issues: [{ field: 'model', message: 'unknown model' }],
        },
      );
    }

    const outcome = await accountOf(env, userId).recordUsage({
      agent: body.agent,
      model: model.id,
      inputTokens: body.input_tokens,
      outputTokens: body.output_tokens,
      description: body.description,
      idempotencyKey: key,
      price: model,
      usdInrPaise: catalog.usdInrPaise,
    });
    request.snapshot = outcome.snapshot;
    if (outcome.ok) return presentUsage(outcome.transaction, outcome.replayed);
    switch (outcome.error) {
      case 'idempotency_key_reused':
        throw new ApiError(
          'idempotency_key_reused',
          'This Idempotency-Key was already used for a different usage record.',
        );
      case 'limit_exceeded':
        throw new ApiError(
          'limit_exceeded',
          `The ${outcome.planId} plan allows at most ${outcome.limitValue} tokens per request; this one has ${outcome.requested}.`,
          {
            limit: outcome.limit,
            limit_value: outcome.limitValue,
            requested_tokens: outcome.requested,
            plan_id: outcome.planId,
            upgrade_url: upgradeUrl(env),
          },
        );
      case 'rate_limited':
        throw new ApiError(
          'rate_limited',
          `The ${outcome.planId} plan allows ${outcome.limitValue} requests per day; the count restarts at 00:00 UTC.`,
          {
            limit: outcome.limit,
            limit_value: outcome.limitValue,
            retry_after_seconds: outcome.retryAfterSeconds,
            plan_id: outcome.planId,
            upgrade_url: upgradeUrl(env),
          },
          { 'Retry-After': String(outcome.retryAfterSeconds) },
        );
      case 'insufficient_tokens':
        throw insufficientTokens(env, catalog, outcome.neededTokens, outcome.balanceTokens);
    }
  });
}

function upgradeUrl(env: Env): string {
  return env.UPGRADE_URL ?? '/api/v1/tokens/packages';
}

/** The seed's 402 body, plus the cheapest package that would cover the shortfall. */
function insufficientTokens(env: Env, catalog: Catalog, neededTokens: number, balanceTokens: number): ApiError {
  const covering = catalog.packages
    .filter((p) => p.tokens >= neededTokens)
    .sort((a, b) => a.pricePaise - b.pricePaise)[0];
  return new ApiError('insufficient_tokens', `Need ${neededTokens} more tokens. Current balance: ${balanceTokens}`, {
    upgrade_url: upgradeUrl(env),
    needed_tokens: neededTokens,
    balance_tokens: balanceTokens,
    suggested_package: covering ? presentPackage(covering) : null,
  });
}

const USD_MICROS_PER_USD = 1_000_000;
const PAISE_PER_RUPEE = 100;

/** The seed's "transaction recording" shape, with exact integer costs beside the presented decimals. */
function presentUsage(tx: TransactionView, replayed: boolean) {
  const costUsdMicros = tx.estimated_cost_usd_micros ?? 0;
  const costInrPaise = tx.estimated_cost_inr_paise ?? 0;
  return {
    transaction_id: tx.id,
    transaction_type: tx.type,
    tokens_charged: -tx.tokens,
    tokens_before: tx.tokens_before,
    tokens_changed: tx.tokens,
    tokens_after: tx.tokens_after,
    remaining_tokens: tx.tokens_after,
    agent_type: tx.agent,
    model_used: tx.model,
    input_tokens: tx.input_tokens,
    output_tokens: tx.output_tokens,
    estimated_cost_usd_micros: costUsdMicros,
    estimated_cost_inr_paise: costInrPaise,
    estimated_cost: { usd: costUsdMicros / USD_MICROS_PER_USD, inr: costInrPaise / PAISE_PER_RUPEE },
    paid_from: tx.grants.map((g) => ({ grant_id: g.grant_id, tokens: -g.tokens })),
    timestamp: tx.timestamp,
    replayed,
  };
}
