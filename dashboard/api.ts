// The dashboard's one way to the API: same origin, the user's JWT as a Bearer token, and every
// refusal turned into an ApiFailure whose message is the API's own words.

/** An answer that was not 2xx (or no answer at all: status 0). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface ApiAnswer<T> {
  data: T;
  headers: Headers;
  status: number;
}

let bearer: string | null = null;

/** The JWT every later call sends; null signs out. */
export function setBearer(token: string | null): void {
  bearer = token;
}

/** `bearer`: send this token instead of the session's (to ask who another token belongs to). */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; bearer?: string } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
  const token = init.bearer ?? bearer;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiFailure(0, 'network_error', 'The service could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): the status line is all there is to say.
    parsed = null;
  }
  if (!response.ok) {
    const body = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
    const message =
      typeof body.message === 'string' && body.message
        ? body.message
        : `The service answered ${response.status} ${response.statusText}.`;
    throw new ApiFailure(response.status, typeof body.code === 'string' ? body.code : 'http_error', message, body);
  }
  return { data: parsed as T, headers: response.headers, status: response.status };
}

/** Words for any error a panel caught. */
export function describeError(error: unknown): string {
  if (error instanceof ApiFailure) {
    // A fault on the service's side: give the user the id to quote when they report it.
    const requestId = error.body.request_id;
    return error.status >= 500 && typeof requestId === 'string'
      ? `${error.message} (request ${requestId})`
      : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** One Server-Sent Event: its name and its JSON data. */
export interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * POST `path` with `Accept: text/event-stream` and hand each event to `onEvent` as it arrives.
 * fetch and a stream reader, not EventSource: EventSource cannot send the Authorization header.
 * A refusal before the stream starts (409, 404) is an ApiFailure, as with api().
 */
export async function apiStream(path: string, onEvent: (event: StreamEvent) => void): Promise<void> {
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { method: 'POST', headers });
  } catch {
    throw new ApiFailure(0, 'network_error', 'The service could not be reached. Check your connection and try again.');
  }
  const type = response.headers.get('Content-Type') ?? '';
  if (!response.ok || !type.startsWith('text/event-stream') || !response.body) {
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    const message =
      typeof body.message === 'string' && body.message
        ? body.message
        : `The service answered ${response.status} ${response.statusText}.`;
    throw new ApiFailure(response.status, typeof body.code === 'string' ? body.code : 'http_error', message, body);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += value.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const parsed = parseFrame(frame);
      if (parsed) onEvent(parsed);
    }
    if (done) break;
  }
  const last = parseFrame(buffer);
  if (last) onEvent(last);
}

function parseFrame(frame: string): StreamEvent | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (!data.length) return null;
  try {
    return { event, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
  } catch {
    return null;
  }
}
