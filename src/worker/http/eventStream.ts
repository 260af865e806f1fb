// Server-Sent Events: a response that answers at once and sends each event as it happens. A client
// that goes away does not stop the source: the rest of the events are still drawn (the work they
// report still happens) and dropped, so what the source does never depends on who is listening.
import { logLine, type Trace } from '../../account/contract/logLine';

export interface ServerSentEvent {
  event: string;
  data: unknown;
}

const encoder = new TextEncoder();

function frame({ event, data }: ServerSentEvent): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Streams `events` until they end. Should drawing them throw (a bug or a lost object, never an
 * outcome the source reports as an event), `lastWord` is sent and the stream ends.
 */
export function eventStream(
  events: AsyncIterable<ServerSentEvent>,
  ctx: ExecutionContext,
  lastWord: { what: string; event: ServerSentEvent; log: Trace },
): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let listening = true;
  const send = async (event: ServerSentEvent) => {
    if (!listening) return;
    await writer.write(frame(event)).catch(() => (listening = false));
  };
  const pump = (async () => {
    try {
      for await (const event of events) await send(event);
    } catch (error) {
      logLine('error', lastWord.what, lastWord.log, { error: String(error) });
      await send(lastWord.event);
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
