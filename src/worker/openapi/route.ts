// GET /openapi.json. The router handed to the registration is kept so the tests can compare the
// routes it serves with the document (test/workers/openapi/document.test.ts).
import type { RouterType } from 'itty-router';
import type { Env } from '../../env';
import type { ApiRequest } from '../http/context';
import { openApiDocument } from './document';

type Router = RouterType<ApiRequest, [Env, ExecutionContext]>;

let registeredWith: Router | undefined;

export function registerOpenApiRoute(router: Router): void {
  registeredWith = router;
  router.get('/openapi.json', () => openApiDocument());
}

/** Method and path of every route the router serves, e.g. `POST /api/v1/tokens/purchase`. */
export function servedRoutes(): string[] {
  return (registeredWith?.routes ?? [])
    .filter(([method]) => method !== 'ALL')
    .map(([method, , , path]) => `${method} ${path}`);
}
