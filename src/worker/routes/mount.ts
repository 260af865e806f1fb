// Puts the declared routes on the router. The router keeps what it serves, so the tests can compare
// it with the document (test/workers/openapi/document.test.ts).
import type { RouterType } from 'itty-router';
import type { Env } from '../../env';
import type { ApiRequest } from '../http/context';
import type { RouteDeclaration } from '../openapi/route';

type Router = RouterType<ApiRequest, [Env, ExecutionContext]>;

let mountedOn: Router | undefined;

export function mountRoutes(router: Router, routes: readonly RouteDeclaration[]): void {
  mountedOn = router;
  for (const route of routes) router[route.method](route.path, route.handler);
}

/** Method and path of every route the router serves, e.g. `POST /api/v1/tokens/purchase`. */
export function servedRoutes(): string[] {
  return (mountedOn?.routes ?? [])
    .filter(([method]) => method !== 'ALL')
    .map(([method, , , path]) => `${method} ${path}`);
}
