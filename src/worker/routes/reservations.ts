// The platform backend holds an agent run's estimate before calling a model, then commits the
// actual usage (or releases the hold). See docs/api.md "Reservations".
import { json, type RouterType } from 'itty-router';
import { z } from 'zod';
import { idempotencyKeys } from '../../account/contract/keys';
import type { Env } from '../../env';
import { settle } from '../http/accountResult';
import { userIdParam } from '../http/auth';
import { jsonBody, parseWith } from '../http/body';
import { accountOf, type ApiRequest } from '../http/context';
import { agentSlugSchema, idempotencyKey } from '../http/schemas';
import {
  DESCRIPTION_CHARS_MAX,
  HOLD_TTL_MAX_SECONDS,
  HOLD_TTL_MIN_SECONDS,
  MODEL_ID_CHARS_MAX,
  PLAN_TOKENS_PER_REQUEST_MAX,
  USAGE_TOKENS_PER_FIELD_MAX,
} from '../../money/limits';
import { presentHold } from '../present/holds';
import { presentUsage } from '../present/ledger';

const tokenCount = z.int().min(0).max(USAGE_TOKENS_PER_FIELD_MAX);

export const reserveBodySchema = z
  .object({
    agent: agentSlugSchema,
    model: z.string().min(1).max(MODEL_ID_CHARS_MAX),
    estimated_tokens: z.int().min(1).max(PLAN_TOKENS_PER_REQUEST_MAX),
    ttl_seconds: z.int().min(HOLD_TTL_MIN_SECONDS).max(HOLD_TTL_MAX_SECONDS).optional(),
  })
  .strict();

export const commitBodySchema = z
  .object({
    input_tokens: tokenCount,
    output_tokens: tokenCount,
    description: z.string().max(DESCRIPTION_CHARS_MAX).optional(),
  })
  .strict();

const holdIdSchema = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const BASE = '/api/v1/service/users/:userId/reservations';

export function registerReservationRoutes(router: RouterType<ApiRequest, [Env, ExecutionContext]>): void {
  router.post(BASE, async (request, env) => {
    const userId = userIdParam(request);
    const key = idempotencyKey(request, true);
    const body = await jsonBody(request, reserveBodySchema);
    const { replayed, result } = await settle(
      request,
      env,
      accountOf(env, userId).reserve({
        agent: body.agent,
        model: body.model,
        estimatedTokens: body.estimated_tokens,
        ttlSeconds: body.ttl_seconds,
        idempotencyKey: idempotencyKeys.holdReserve(key),
      }),
    );
    return json({ reservation: presentHold(result), replayed }, { status: replayed ? 200 : 201 });
  });

  router.get(BASE, async (request, env) => {
    const userId = userIdParam(request);
    const holds = await settle(request, env, accountOf(env, userId).holds());
    return { reservations: holds.map(presentHold) };
  });

  router.post(`${BASE}/:id/commit`, async (request, env) => {
    const userId = userIdParam(request);
    idempotencyKey(request, true);
    const holdId = parseWith(holdIdSchema, request.params.id, 'id');
    const body = await jsonBody(request, commitBodySchema);
    const { replayed, result } = await settle(
      request,
      env,
      accountOf(env, userId).commitHold({
        holdId,
        inputTokens: body.input_tokens,
        outputTokens: body.output_tokens,
        description: body.description,
      }),
    );
    return {
      ...presentUsage(result.transaction, replayed),
      uncovered_tokens: result.uncoveredTokens,
      reservation: presentHold(result.hold),
    };
  });

  router.post(`${BASE}/:id/release`, async (request, env) => {
    const userId = userIdParam(request);
    idempotencyKey(request, true);
    const holdId = parseWith(holdIdSchema, request.params.id, 'id');
    const { replayed, result } = await settle(request, env, accountOf(env, userId).releaseHold(holdId));
    return { reservation: presentHold(result), replayed };
  });
}
