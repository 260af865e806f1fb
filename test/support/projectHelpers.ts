import { asUser } from './helpers';

export async function createProject(
  userId: string,
  body: Record<string, unknown> = { title: 'E-Commerce Platform', mode: 'student' },
  key?: string,
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (key) headers['Idempotency-Key'] = key;
  return asUser(userId, '/api/v1/projects', { method: 'POST', headers, body: JSON.stringify(body) });
}

/** A new project's id; throws unless it was created. */
export async function newProject(userId: string, body?: Record<string, unknown>): Promise<string> {
  const response = await createProject(userId, body);
  if (response.status !== 201) throw new Error(`create project: ${response.status} ${await response.text()}`);
  return (await response.json<{ id: string }>()).id;
}

export function execute(userId: string, projectId: string, accept?: string): Promise<Response> {
  return asUser(userId, `/api/v1/projects/${projectId}/execute`, {
    method: 'POST',
    headers: accept ? { Accept: accept } : {},
  });
}

export interface StreamEvent {
  event: string;
  data: any;
}

/** Parse a whole text/event-stream body into its events. */
export function parseEvents(text: string): StreamEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))!.slice('event: '.length);
      const data = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice('data: '.length));
      return { event, data };
    });
}
