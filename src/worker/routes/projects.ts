// A user's projects: create, list, read, and execute the seven agents (src/worker/projects/run.ts).
// Execute answers JSON once the run ends, or, with `Accept: text/event-stream`, one event per step.
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import {
  projectCreatedSchema,
  projectExecutionSchema,
  projectListSchema,
  projectSchema,
} from '../openapi/projectResponses';
import { json } from 'itty-router';
import { z } from 'zod';
import { idempotencyKeys } from '../../account/contract/keys';
import { modelNamed } from '../catalog/agents';
import { getCatalog, type Catalog } from '../../account/stores/catalogCache';
import type { Env } from '../../env';
import { ApiError } from '../http/errors';
import { settle } from '../http/accountResult';
import { authenticateAccountOwner } from '../http/auth';
import { jsonBody, parseWith } from '../http/body';
import { accountOf, traceOf } from '../http/context';
import { idempotencyKey } from '../http/schemas';
import {
  MODEL_ID_CHARS_MAX,
  PROJECT_DESCRIPTION_CHARS_MAX,
  PROJECT_MODE_CHARS_MAX,
  PROJECT_TITLE_CHARS_MAX,
  PROJECTS_PAGE_SIZE_DEFAULT,
  PROJECTS_PAGE_SIZE_MAX,
} from '../../money/limits';
import { answerRun, streamRun } from '../http/runAnswer';
import { presentProject, presentProjectSummary, presentRunHead } from '../present/projects';
import { runSteps, startRun } from '../projects/run';
import { runnerFor } from '../runners/select';

const projectCreateSchema = z
  .object({
    title: z.string().trim().min(1).max(PROJECT_TITLE_CHARS_MAX),
    mode: z
      .string()
      .max(PROJECT_MODE_CHARS_MAX)
      .regex(/^[a-z][a-z0-9_-]*$/, 'a lower-case word such as "student"'),
    description: z.string().max(PROJECT_DESCRIPTION_CHARS_MAX).optional(),
    model: z.string().min(1).max(MODEL_ID_CHARS_MAX).optional(),
  })
  .strict();

const projectsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(PROJECTS_PAGE_SIZE_MAX).default(PROJECTS_PAGE_SIZE_DEFAULT),
    cursor: z
      .string()
      .regex(/^prj_[a-f0-9]{20}$/, 'the next_cursor of the previous page')
      .optional(),
  })
  .strict();

const projectIdSchema = z.string().regex(/^prj_[a-f0-9]{20}$/, 'a project id (prj_…)');

const OWN = { openIfNew: true };

async function catalogOrUnavailable(env: Env): Promise<Catalog> {
  return getCatalog(env.DB).catch(() => {
    throw new ApiError('catalog_unavailable', 'The catalog could not be read; try again shortly.');
  });
}

export const projectRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/projects',
    tag: 'Projects',
    caller: 'user',
    summary:
      'Create a project with the active agents in run order (a retried key answers the same project); 422 limit_exceeded once the account holds PROJECTS_PER_USER_MAX (100)',
    request: { idempotencyKey: 'optional', body: projectCreateSchema },
    responses: {
      201: { description: 'The project, each agent pending', schema: projectCreatedSchema },
      200: { description: 'A retry’s answer: the project it created', schema: projectCreatedSchema },
    },
    // 422: the account holds PROJECTS_PER_USER_MAX projects already (limit_exceeded, projects_per_user).
    errors: [409, 422, 503],
    account: true,
    handler: async (request, env) => {
      const userId = await authenticateAccountOwner(request, env);
      const key = idempotencyKey(request, false);
      const body = await jsonBody(request, projectCreateSchema);
      const catalog = await catalogOrUnavailable(env);
      const model = modelNamed(catalog, body.model);
      const { replayed, result } = await settle(
        request,
        env,
        accountOf(env, userId).createProject(
          {
            title: body.title,
            mode: body.mode,
            description: body.description ?? null,
            model: model.id,
            agents: catalog.agents.map((a) => a.id),
            idempotencyKey: key === undefined ? null : idempotencyKeys.projectCreate(key),
          },
          traceOf(request),
        ),
      );
      return json({ ...presentProject(result), replayed }, { status: replayed ? 200 : 201 });
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/projects',
    tag: 'Projects',
    caller: 'user',
    summary: 'The caller’s projects, newest first',
    request: { query: projectsQuerySchema },
    responses: { 200: { description: '{ projects: [...], next_cursor }', schema: projectListSchema } },
    account: true,
    handler: async (request, env) => {
      const userId = await authenticateAccountOwner(request, env);
      const query = parseWith(projectsQuerySchema, request.query, 'query');
      const page = await settle(
        request,
        env,
        accountOf(env, userId).projects({ ...OWN, ...traceOf(request), limit: query.limit, before: query.cursor }),
      );
      return { projects: page.projects.map(presentProjectSummary), next_cursor: page.nextCursor };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/api/v1/projects/:id',
    tag: 'Projects',
    caller: 'user',
    summary: 'One project: each agent’s status, tokens, cost and timings',
    request: { params: { id: projectIdSchema } },
    responses: { 200: { description: 'The project', schema: projectSchema } },
    errors: [404],
    account: true,
    handler: async (request, env) => {
      const userId = await authenticateAccountOwner(request, env);
      const id = parseWith(projectIdSchema, request.params.id, 'id');
      return presentProject(
        await settle(request, env, accountOf(env, userId).project(id, { ...OWN, ...traceOf(request) })),
      );
    },
  }),

  defineRoute({
    method: 'post',
    path: '/api/v1/projects/:id/execute',
    tag: 'Projects',
    caller: 'user',
    summary:
      'Run the unfinished agents in order (reserve → model → commit each); resumes where a run stopped. With Accept: text/event-stream, one event per step',
    request: { params: { id: projectIdSchema } },
    responses: {
      200: {
        description: '{ project, run: { run_id, runner, resumed_from, interrupted, events } }',
        schema: projectExecutionSchema,
        alternatives: { 'text/event-stream': 'With Accept: text/event-stream: one event per step, then the project' },
      },
    },
    errors: [402, 404, 409, 422, 429, 502, 503],
    account: true,
    handler: async (request, env, ctx) => {
      const userId = await authenticateAccountOwner(request, env);
      const projectId = parseWith(projectIdSchema, request.params.id, 'id');
      const catalog = await catalogOrUnavailable(env);
      const runner = runnerFor(env);
      const account = accountOf(env, userId);
      // Nothing has started before the lease is taken, so a conflict is a plain JSON error, stream or not.
      const run = await settle(
        request,
        env,
        startRun(account, { projectId, runId: crypto.randomUUID() }, traceOf(request)),
      );
      const head = presentRunHead(run, runner.name);
      const events = runSteps({ account, trace: traceOf(request), runner, catalog }, run);
      if ((request.headers.get('Accept') ?? '').includes('text/event-stream'))
        return streamRun(request, env, head, events, ctx);
      return answerRun(request, env, head, events);
    },
  }),
];
