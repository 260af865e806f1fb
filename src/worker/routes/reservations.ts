// The platform backend holds an agent run's estimate before calling a model, then commits the
// actual usage (or releases the reservation). See docs/api.md "Reservations".
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { userIdSchema } from '../http/auth';
import { commitResponseSchema, reservationListResponseSchema, reservationResponseSchema } from '../openapi/responses';
import { json } from 'itty-router';
import { z } from 'zod';
import { idempotencyKeys } from '../../account/contract/keys';
import { settle } from '../http/accountResult';
import { userIdParam } from '../http/auth';
import { jsonBody, parseWith } from '../http/body';
import { accountOf, traceOf } from '../http/context';
import { agentSlugSchema, idempotencyKey } from '../http/schemas';
import {
  DESCRIPTION_CHARS_MAX,
  RESERVATION_TTL_MAX_SECONDS,
  RESERVATION_TTL_MIN_SECONDS,
  MODEL_ID_CHARS_MAX,
  PLAN_TOKENS_PER_REQUEST_MAX,
  USAGE_TOKENS_PER_FIELD_MAX,
} from '../../money/limits';
import { presentReservation } from '../present/reservations';
import { presentUsage } from '../present/ledger';

const tokenCount = z.int().min(0).max(USAGE_TOKENS_PER_FIELD_MAX);

export const reserveBodySchema = z
  .object({
    agent: agentSlugSchema,
    model: z.string().min(1).max(MODEL_ID_CHARS_MAX),
    estimated_tokens: z.int().min(1).max(PLAN_TOKENS_PER_REQUEST_MAX),
    ttl_seconds: z.int().min(RESERVATION_TTL_MIN_SECONDS).max(RESERVATION_TTL_MAX_SECONDS).optional(),
  })
  .strict();

export const commitBodySchema = z
  .object({
    input_tokens: tokenCount,
    output_tokens: tokenCount,
    description: z.string().max(DESCRIPTION_CHARS_MAX).optional(),
  })
  .strict();

const reservationIdSchema = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const BASE = '/api/v1/service/users/:userId/reservations';
const RESERVATION_PARAMS = { userId: userIdSchema, id: reservationIdSchema };

export const reservationRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'post',
    path: BASE,
    tag: 'Platform',
    caller: 'service',
    summary: 'Hold an agent run’s estimated tokens before calling a model',
    request: { params: { userId: userIdSchema }, idempotencyKey: 'required', body: reserveBodySchema },
    responses: {
      201: { description: '{ reservation, replayed }', schema: reservationResponseSchema },
      200: { description: 'A retry’s answer: { reservation, replayed: true }', schema: reservationResponseSchema },
    },
    errors: [402, 409, 422, 429],
    account: true,
    handler: async (request, env) => {
      const userId = userIdParam(request);
      const key = idempotencyKey(request, true);
      const body = await jsonBody(request, reserveBodySchema);
      const { replayed, result } = await settle(
        request,
        env,
        accountOf(env, userId).reserve(
          {
            agent: body.agent,
            model: body.model,
            estimatedTokens: body.estimated_tokens,
            ttlSeconds: body.ttl_seconds,
            idempotencyKey: idempotencyKeys.reservation(key),
          },
          traceOf(request),
        ),
      );
      return json({ reservation: presentReservation(result), replayed }, { status: replayed ? 200 : 201 });
    },
  }),

  defineRoute({
    method: 'get',
    path: BASE,
    tag: 'Platform',
    caller: 'service',
    summary: 'A user’s open reservations (404 for a user with no account)',
    request: { params: { userId: userIdSchema } },
    responses: { 200: { description: '{ reservations: [...] }', schema: reservationListResponseSchema } },
    errors: [404],
    account: true,
    handler: async (request, env) => {
      const userId = userIdParam(request);
      const reservations = await settle(request, env, accountOf(env, userId).reservations(traceOf(request)));
      return { reservations: reservations.map(presentReservation) };
    },
  }),

  defineRoute({
    method: 'post',
    path: `${BASE}/:id/commit`,
    tag: 'Platform',
    caller: 'service',
    summary:
      'Charge the actual usage of a held run and release the rest (never refused; uncovered recorded). A project run’s reservation is settled by its run: 409 conflict naming project_id',
    request: { params: RESERVATION_PARAMS, idempotencyKey: 'required', body: commitBodySchema },
    responses: {
      200: { description: 'The usage row, uncovered_tokens and the settled reservation', schema: commitResponseSchema },
    },
    errors: [404, 409],
    account: true,
    handler: async (request, env) => {
      const userId = userIdParam(request);
      idempotencyKey(request, true);
      const reservationId = parseWith(reservationIdSchema, request.params.id, 'id');
      const body = await jsonBody(request, commitBodySchema);
      const { replayed, result } = await settle(
        request,
        env,
        accountOf(env, userId).commitReservation(
          {
            reservationId,
            inputTokens: body.input_tokens,
            outputTokens: body.output_tokens,
            description: body.description,
          },
          traceOf(request),
        ),
      );
      return {
        ...presentUsage(result.transaction, replayed),
        uncovered_tokens: result.uncoveredTokens,
        reservation: presentReservation(result.reservation),
      };
    },
  }),

  defineRoute({
    method: 'post',
    path: `${BASE}/:id/release`,
    tag: 'Platform',
    caller: 'service',
    summary:
      'Give a reservation’s tokens back without charging. A project run’s reservation is settled by its run: 409 conflict naming project_id',
    request: { params: RESERVATION_PARAMS, idempotencyKey: 'required' },
    responses: { 200: { description: '{ reservation, replayed }', schema: reservationResponseSchema } },
    errors: [404, 409],
    account: true,
    handler: async (request, env) => {
      const userId = userIdParam(request);
      idempotencyKey(request, true);
      const reservationId = parseWith(reservationIdSchema, request.params.id, 'id');
      const { replayed, result } = await settle(
        request,
        env,
        accountOf(env, userId).releaseReservation(reservationId, traceOf(request)),
      );
      return { reservation: presentReservation(result), replayed };
    },
  }),
];
