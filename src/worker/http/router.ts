// The request pipeline: before (clock, request id, ENVIRONMENT) → route → catch (one error renderer) → finally (JSON,
// headers). Handlers return plain values or throw ApiError; they never build error responses.
import { Router, json, type RouterType } from 'itty-router';
import { logLine } from '../../account/contract/logLine';
import { environmentOf } from './environment';
import { ApiError } from './errors';
import type { Env } from '../../env';
import { accountOf, type ApiRequest } from './context';
import { requestIdOf } from './requestId';
import { setSecurityHeaders } from './securityHeaders';

type Args = [Env, ExecutionContext];

export function createRouter(): RouterType<ApiRequest, Args> {
  const router = Router<ApiRequest, Args>({
    before: [
      (request, env) => {
        request.startedAt = Date.now();
        request.requestId = requestIdOf(request);
        // An ENVIRONMENT the code does not know refuses every request, so the mistake shows at once.
        environmentOf(env);
      },
    ],
    catch: renderError,
    finally: [
      async (response, request, env) => {
        await owedSnapshot(request, env);
        return finish(router, response, request);
      },
    ],
  });
  return router;
}

/**
 * A route about the signed-in user's own account that answered before reaching it (a refused promo
 * code, a purchase) still owes the account's numbers: read them, best effort.
 */
async function owedSnapshot(request: ApiRequest, env: Env): Promise<void> {
  if (request.accountUserId === undefined || request.snapshot !== undefined) return;
  const answer = await accountOf(env, request.accountUserId)
    .balance({ openIfNew: true, requestId: request.requestId })
    .catch(() => undefined);
  if (answer) request.snapshot = answer.snapshot;
}

function renderError(error: unknown, request: ApiRequest): Response {
  const { requestId } = request;
  if (error instanceof ApiError) {
    // The operator's mistake, not the client's: it belongs in the logs too (the message names the setting).
    if (error.code === 'service_misconfigured')
      logLine('error', 'misconfigured', { requestId }, { message: error.message });
    return json(withRequestId(error, requestId), { status: error.status, headers: error.headers });
  }
  // A bug, not a client mistake: log what helps (never headers or bodies, which carry secrets).
  logLine(
    'error',
    'unhandled',
    { requestId },
    {
      route: request.route,
      method: request.method,
      error: String((error as Error)?.stack ?? error),
    },
  );
  const failure = new ApiError(
    'internal_error',
    `Something went wrong on our side; nothing was charged twice. Quote ${requestId} when reporting it.`,
  );
  return json(withRequestId(failure, requestId), { status: 500 });
}

function withRequestId(error: ApiError, requestId: string): Record<string, unknown> {
  const body = error.body();
  delete body.request_id;
  return { ...body, request_id: requestId };
}

function finish(router: RouterType<ApiRequest, Args>, result: unknown, request: ApiRequest): Response {
  let response = result === undefined ? unmatched(router, request) : result instanceof Response ? result : json(result);
  if (response.headers.get('Content-Type') === null) response = new Response(response.body, response);
  response.headers.set('X-Request-Id', request.requestId);
  response.headers.set('X-Process-Time', ((Date.now() - request.startedAt) / 1000).toFixed(3));
  setSecurityHeaders(response.headers);
  if (request.snapshot) {
    response.headers.set('X-Tokens-Remaining', String(request.snapshot.remainingTokens));
    response.headers.set('X-Tokens-Used-Today', String(request.snapshot.tokensUsedToday));
    response.headers.set('X-Requests-Today', String(request.snapshot.requestsToday));
  }
  return response;
}

// No handler answered: 405 with Allow when the path exists under other methods, else 404.
function unmatched(router: RouterType<ApiRequest, Args>, request: ApiRequest): Response {
  const path = new URL(request.url).pathname;
  const allowed = new Set<string>();
  for (const [method, pattern] of router.routes) if (method !== 'ALL' && pattern.test(path)) allowed.add(method);
  const error = allowed.size
    ? new ApiError(
        'method_not_allowed',
        `${request.method} is not allowed here; use ${[...allowed].join(', ')}.`,
        {},
        { Allow: [...allowed].join(', ') },
      )
    : new ApiError('not_found', `No route for ${request.method} ${path}.`);
  return renderError(error, request);
}
