// A run as Server-Sent Events: one event per step as it happens (started, reserved, finished,
// refused, failed, done). A refusal is a `refused` event and then the end of the stream.
import { presentEvent } from '../present/projects';
import type { RunEvent } from './execute';

const encoder = new TextEncoder();

function frame(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function streamEvents(
  head: Record<string, unknown>,
  events: AsyncGenerator<RunEvent>,
  ctx: ExecutionContext,
): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  // A client that goes away does not stop the run: the rest of the events are dropped, the steps
  // still finish (and are charged) as they would have, and GET /projects/:id shows the outcome.
  let listening = true;
  const send = async (event: string, data: unknown) => {
    if (!listening) return;
    await writer.write(frame(event, data)).catch(() => (listening = false));
  };
  const pump = (async () => {
    try {
      await send('started', head);
      for await (const event of events) {
        await send(event.type, { event: event.type, ...presentEvent(event) });
        if (event.type === 'refused') break;
      }
    } catch (error) {
      // The run's own failures are events; this is a bug or a lost object: say so, then end.
      console.error(JSON.stringify({ level: 'error', what: 'project stream', error: String(error) }));
      await send('error', { event: 'error', message: 'The run stopped unexpectedly; execute again to resume.' });
    } finally {
      await writer.close().catch(() => undefined);
    }
  })();
  ctx.waitUntil(pump);
  return new Response(readable, {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    },
  });
}
