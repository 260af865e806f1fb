// Who the caller is, from the JWT alone. It touches no Durable Object and no D1, so it is also
// the benchmark's floor: the cost of the Worker, the router and user authentication.
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { meResponseSchema } from '../openapi/responses';
import { authenticateUser } from '../http/auth';

export const meRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/me',
    tag: 'Tokens',
    caller: 'user',
    summary: 'The caller’s user id, from the JWT alone',
    responses: { 200: { description: '{ user_id }', schema: meResponseSchema } },
    handler: async (request, env) => ({ user_id: await authenticateUser(request, env) }),
  }),
];
