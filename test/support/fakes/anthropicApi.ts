// A fake of Anthropic's Messages API (POST /v1/messages), run in Node as part of Miniflare's
// outbound service: the Worker's Anthropic runner talks to it and nothing reaches the network.
// Markers in the prompt (anthropicApiKnobs.ts) choose the answer: an error status, a hang, given
// usage figures. By default the input is a quarter of the prompt's characters and the output fills
// max_tokens, like a model that writes until it is stopped.
import { Response } from 'miniflare';
import { FAKE_ANTHROPIC_HANG_MS } from './anthropicApiKnobs.ts';

interface Recorded {
  headers: Record<string, string>;
  body: unknown;
}

const recorded = new Map<string, Recorded>();

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function error(status: number, type: string, message: string): Response {
  return json({ type: 'error', error: { type, message } }, status);
}

export async function fakeAnthropicApi(request: {
  method: string;
  url: string;
  headers: Headers;
  text(): Promise<string>;
}): Promise<Response> {
  const url = new URL(request.url);
  const inspected = /^\/__fake\/requests\/([^/]+)$/.exec(url.pathname);
  if (request.method === 'GET' && inspected) {
    const found = recorded.get(decodeURIComponent(inspected[1]!));
    return found ? json(found) : json({ error: 'nothing recorded under this tag' }, 404);
  }
  if (request.method !== 'POST' || url.pathname !== '/v1/messages') {
    return error(404, 'not_found_error', `fake Anthropic: no route ${request.method} ${url.pathname}`);
  }
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
  if (!headers['x-api-key']) return error(401, 'authentication_error', 'x-api-key header is required');
  if (!headers['anthropic-version']) return error(400, 'invalid_request_error', 'anthropic-version header is required');

  let body: { model?: string; max_tokens?: number; messages?: { role: string; content: string }[] };
  try {
    body = JSON.parse(await request.text());
  } catch {
    return error(400, 'invalid_request_error', 'body is not JSON');
  }
  if (!body.model || !Number.isInteger(body.max_tokens) || !Array.isArray(body.messages)) {
    return error(400, 'invalid_request_error', 'model, max_tokens and messages are required');
  }
  const prompt = body.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
  const tag = /\[\[fake-anthropic:tag=([^\]]+)\]\]/.exec(prompt)?.[1];
  if (tag) recorded.set(tag, { headers, body });

  const status = /\[\[fake-anthropic:status=(\d{3})\]\]/.exec(prompt)?.[1];
  if (status) return error(Number(status), 'overloaded_error', 'fake Anthropic: failing on request');
  if (prompt.includes('[[fake-anthropic:hang]]')) {
    await new Promise((resolve) => setTimeout(resolve, FAKE_ANTHROPIC_HANG_MS));
  }
  const usage = /\[\[fake-anthropic:usage=(\d+)\/(\d+)\]\]/.exec(prompt);
  const inputTokens = usage ? Number(usage[1]) : Math.ceil(prompt.length / 4);
  const outputTokens = Math.min(body.max_tokens!, usage ? Number(usage[2]) : body.max_tokens!);
  return json({
    id: `msg_fake_${Math.random().toString(36).slice(2, 12)}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [{ type: 'text', text: 'A fake answer.' }],
    stop_reason: outputTokens === body.max_tokens ? 'max_tokens' : 'end_turn',
    usage: { input_tokens: inputTokens, output_tokens: outputTokens },
  });
}
