// The estimate and project routes, as the OpenAPI document describes them (see operations.ts).
import { estimateBodySchema } from '../routes/estimate';
import { projectCreateSchema, projectIdSchema, projectsQuerySchema } from '../routes/projects';
import type { Operation } from './operations';

export const PROJECT_OPERATIONS: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/v1/tokens/estimate',
    tag: 'Tokens',
    caller: 'user',
    summary:
      'Expected tokens and cost (µUSD, paise) per agent and in total, from the agent profiles or the caller’s own average after 3 runs; whether balance and today’s requests cover it',
    body: estimateBodySchema,
    success: { status: 200, description: '{ model, runner, average_after_runs, agents: [...], total, coverage }' },
    errors: [503],
  },
  {
    method: 'post',
    path: '/api/v1/projects',
    tag: 'Projects',
    caller: 'user',
    summary: 'Create a project with the active agents in run order (a retried key answers the same project)',
    body: projectCreateSchema,
    success: { status: 201, description: 'The project, each agent pending' },
    errors: [409, 503],
    idempotencyKey: 'optional',
  },
  {
    method: 'get',
    path: '/api/v1/projects',
    tag: 'Projects',
    caller: 'user',
    summary: 'The caller’s projects, newest first',
    query: projectsQuerySchema,
    success: { status: 200, description: '{ projects: [...], next_cursor }' },
  },
  {
    method: 'get',
    path: '/api/v1/projects/:id',
    tag: 'Projects',
    caller: 'user',
    summary: 'One project: each agent’s status, tokens, cost and timings',
    params: { id: projectIdSchema },
    success: { status: 200, description: 'The project' },
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/v1/projects/:id/execute',
    tag: 'Projects',
    caller: 'user',
    summary:
      'Run the unfinished agents in order (reserve → model → commit each); resumes where a run stopped. With Accept: text/event-stream, one event per step',
    params: { id: projectIdSchema },
    success: { status: 200, description: '{ project, run: { run_id, runner, resumed_from, interrupted, events } }' },
    errors: [402, 404, 409, 422, 429, 502, 503],
  },
];
