import type { IRequest } from 'itty-router';
import type { AccountSnapshot } from '../../account/contract/rpc';
import type { Trace } from '../../account/contract/logLine';
import type { Env } from '../../env';

/** The request as handlers see it: itty's params and query, plus what the pipeline records. */
export interface ApiRequest extends IRequest {
  /** Milliseconds since the epoch when the Worker took the request. */
  startedAt: number;
  /** The id of this request: its X-Request-Id, its error bodies' `request_id`, its log lines'. */
  requestId: string;
  /** The user's numbers for the X-Tokens-* headers, set by any handler that reached an account. */
  snapshot?: AccountSnapshot;
  /** The signed-in user whose account this request is about (their headers are owed, refusals included). */
  accountUserId?: string;
}

/** The typed stub of one user's account object. */
export function accountOf(env: Env, userId: string) {
  return env.USER_ACCOUNT.get(env.USER_ACCOUNT.idFromName(userId));
}

/** The request's trace for the RPCs it makes, so the object's log lines carry its id. */
export function traceOf(request: ApiRequest): Trace {
  return { requestId: request.requestId };
}
