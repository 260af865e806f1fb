// POST /api/v1/tokens/estimate: what running agents (default: all, in run order) is expected to
// take and cost for this user, and whether their balance and today's requests cover it.
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { estimateResponseSchema } from '../openapi/projectResponses';
import { z } from 'zod';
import { agentsNamed, modelNamed } from '../catalog/agents';
import { getCatalog } from '../../account/stores/catalogCache';
import { estimateRun } from '../projects/estimate';
import { ApiError } from '../http/errors';
import { settle } from '../http/accountResult';
import { authenticateAccountOwner } from '../http/auth';
import { optionalJsonBody } from '../http/body';
import { accountOf, traceOf } from '../http/context';
import { agentSlugSchema } from '../http/schemas';
import { ESTIMATE_AGENTS_MAX, ESTIMATE_AVERAGE_MIN_RUNS, MODEL_ID_CHARS_MAX } from '../../money/limits';
import { presentEstimate } from '../present/estimate';
import { runnerChoice } from '../runners/select';

const estimateBodySchema = z
  .object({
    agents: z
      .array(agentSlugSchema)
      .min(1)
      .max(ESTIMATE_AGENTS_MAX)
      .refine((ids) => new Set(ids).size === ids.length, 'each agent at most once')
      .optional(),
    model: z.string().min(1).max(MODEL_ID_CHARS_MAX).optional(),
  })
  .strict();

export const estimateRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/tokens/estimate',
    tag: 'Tokens',
    caller: 'user',
    summary:
      'Expected tokens and cost (µUSD, paise) per agent and in total, from the agent profiles or the caller’s own average after 3 runs; whether balance and today’s requests cover it',
    request: { body: estimateBodySchema, bodyOptional: true },
    responses: { 200: { description: 'The estimate and whether it is covered', schema: estimateResponseSchema } },
    errors: [503],
    account: true,
    handler: async (request, env) => {
      const userId = await authenticateAccountOwner(request, env);
      const body = await optionalJsonBody(request, estimateBodySchema, {});
      const catalog = await getCatalog(env.DB).catch(() => {
        throw new ApiError('catalog_unavailable', 'The catalog could not be read; try again shortly.');
      });
      const agents = agentsNamed(catalog, body.agents);
      const model = modelNamed(catalog, body.model);
      const account = accountOf(env, userId);
      const outlook = await settle(request, env, account.usageOutlook({ openIfNew: true, ...traceOf(request) }));
      const estimate = estimateRun({
        agents,
        price: model,
        usdInrPaise: catalog.usdInrPaise,
        outlook,
        snapshot: request.snapshot!,
        minRuns: ESTIMATE_AVERAGE_MIN_RUNS,
      });
      return presentEstimate(estimate, {
        model: model.id,
        runner: runnerChoice(env).runner?.name ?? null,
        averageAfterRuns: ESTIMATE_AVERAGE_MIN_RUNS,
      });
    },
  }),
];
