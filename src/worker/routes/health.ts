// Liveness, at the root and under the API prefix.
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { healthResponseSchema } from '../openapi/responses';

export const healthRoutes: readonly RouteDeclaration[] = ['/health', '/api/v1/health'].map((path) =>
  defineRoute({
    method: 'get',
    path,
    tag: 'Service',
    caller: 'public',
    summary: 'Liveness',
    responses: { 200: { description: '{ status: "ok" }', schema: healthResponseSchema } },
    handler: () => ({ status: 'ok' }),
  }),
);
