// A project run as HTTP: the runner's events become one JSON answer once the run ends, or
// Server-Sent Events as they happen. The object's failures become API errors here, the way every
// other answer of the object does (accountResult.ts): a refused step carries usage's refusal body,
// plus the agent, the project and this run's events.
import { logLine, type Trace } from '../../account/contract/logLine';
import type { Env } from '../../env';
import type { RunEvent } from '../projects/runEvents';
import { presentProject, presentRefusal, presentRunEvent, type presentRunHead } from '../present/projects';
import { apiErrorOf } from './accountResult';
import type { ApiRequest } from './context';
import { ApiError } from './errors';
import { eventStream, type ServerSentEvent } from './eventStream';

type RunHead = ReturnType<typeof presentRunHead>;

/** `{project, run}` once every step ran; the refusal or the model failure that stopped the run is thrown as its API error. */
export async function answerRun(request: ApiRequest, env: Env, head: RunHead, events: AsyncIterable<RunEvent>) {
  const listed: Record<string, unknown>[] = [];
  let project: ReturnType<typeof presentProject> | null = null;
  let stop: { agent: string; refusal: ApiError } | { agent: string; failure: string } | null = null;
  for await (const event of events) {
    if ('snapshot' in event) request.snapshot = event.snapshot;
    if (event.type === 'aborted') throw await apiErrorOf(env, event.failure);
    if (event.type === 'done') {
      project = presentProject(event.project);
    } else if (event.type === 'refused') {
      const refusal = await apiErrorOf(env, event.failure);
      stop = { agent: event.agent, refusal };
      listed.push({ event: event.type, ...presentRefusal(event.agent, refusal) });
    } else {
      if (event.type === 'failed') stop = { agent: event.agent, failure: event.failure };
      // The agent was charged, but the run could not go on: a conflict the next execute resolves.
      if (event.type === 'expired') stop = { agent: event.agent, refusal: new ApiError('conflict', event.message) };
      listed.push({ event: event.type, ...presentRunEvent(event) });
    }
  }
  const run = { ...head, events: listed };
  if (stop && 'refusal' in stop) {
    const { refusal } = stop;
    const details = { ...refusal.details, agent: stop.agent, project, run };
    throw new ApiError(refusal.code, refusal.message, details, refusal.headers);
  }
  if (stop) {
    const message = `The ${stop.agent} agent's model call failed (${stop.failure}); nothing was charged for it.`;
    throw new ApiError('model_error', message, { agent: stop.agent, failure: stop.failure, project, run });
  }
  return { project, run };
}

const UNEXPECTED_END: ServerSentEvent = {
  event: 'error',
  data: { event: 'error', message: 'The run stopped unexpectedly; execute again to resume.' },
};

/** One event per step as it happens: `started`, then the steps' events; a refusal is the last one. */
export function streamRun(
  request: ApiRequest,
  env: Env,
  head: RunHead,
  events: AsyncIterable<RunEvent>,
  ctx: ExecutionContext,
): Response {
  const log = { requestId: request.requestId };
  return eventStream(framesOf(env, log, head, events), ctx, { what: 'project stream', event: UNEXPECTED_END, log });
}

async function* framesOf(
  env: Env,
  log: Trace,
  head: RunHead,
  events: AsyncIterable<RunEvent>,
): AsyncGenerator<ServerSentEvent> {
  yield { event: 'started', data: head };
  for await (const event of events) {
    if (event.type === 'aborted') {
      const { code, message } = event.failure;
      logLine('error', 'project stream', log, { agent: event.agent, code, message });
      yield UNEXPECTED_END;
      return;
    }
    if (event.type === 'refused') {
      const refusal = await apiErrorOf(env, event.failure);
      yield { event: event.type, data: { event: event.type, ...presentRefusal(event.agent, refusal) } };
      return;
    }
    yield { event: event.type, data: { event: event.type, ...presentRunEvent(event) } };
  }
}
