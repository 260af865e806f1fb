// Who the caller is, from the JWT alone. It touches no Durable Object and no D1, so it is also
// the benchmark's floor: the cost of the Worker, the router and user authentication.
import type { RouterType } from 'itty-router';
import type { Env } from '../../env';
import { authenticateUser } from '../http/auth';
import type { ApiRequest } from '../http/context';

export function registerMeRoute(router: RouterType<ApiRequest, [Env, ExecutionContext]>): void {
  router.get('/api/v1/me', async (request, env) => ({ user_id: await authenticateUser(request, env.JWT_SECRET) }));
}
