// A fake of the one Stripe API call the service makes (create a Checkout Session). It runs in
// Node as Miniflare's outbound service, so every fetch the Worker or a test makes lands here and
// nothing reaches the network. Tests read back what the Worker sent through the `/__fake/` routes.
import { Response } from 'miniflare';
import { FAKE_STRIPE_HOST, FAKE_STRIPE_NO_URL_PREFIX, FAKE_STRIPE_REFUSE_PREFIX } from './stripeApiKnobs.ts';

interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  form: Record<string, string>;
}

const sessions = new Map<string, { request: RecordedRequest; body: Record<string, unknown> }>();
const sessionByIdempotencyKey = new Map<string, string>();
let sequence = 0;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export async function fakeStripeApi(request: {
  method: string;
  url: string;
  headers: Headers;
  text(): Promise<string>;
}): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname !== FAKE_STRIPE_HOST) {
    return json({ error: { message: `tests have no network: refused ${request.method} ${url.origin}` } }, 502);
  }
  const inspected = /^\/__fake\/checkout\/sessions\/([^/]+)$/.exec(url.pathname);
  if (request.method === 'GET' && inspected) {
    const session = sessions.get(inspected[1]!);
    return session ? json(session.request) : json({ error: { message: 'no such session' } }, 404);
  }
  if (request.method === 'POST' && url.pathname === '/v1/checkout/sessions') return createSession(request, url);
  return json(
    { error: { type: 'invalid_request_error', message: `fake Stripe: no route ${request.method} ${url.pathname}` } },
    404,
  );
}

async function createSession(
  request: { method: string; headers: Headers; text(): Promise<string> },
  url: URL,
): Promise<Response> {
  const form = Object.fromEntries(new URLSearchParams(await request.text()));
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
  if (!headers.authorization?.startsWith('Bearer sk_')) {
    return json({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } }, 401);
  }
  if (form.client_reference_id?.startsWith(FAKE_STRIPE_REFUSE_PREFIX)) {
    return json(
      { error: { type: 'invalid_request_error', message: 'Amount must convert to at least 50 cents.' } },
      400,
    );
  }
  // Like Stripe: the same key returns the first answer, or refuses different parameters.
  const replay = headers['idempotency-key'] && sessionByIdempotencyKey.get(headers['idempotency-key']);
  if (replay) {
    const first = sessions.get(replay)!;
    if (JSON.stringify(first.request.form) !== JSON.stringify(form)) {
      return json(
        {
          error: {
            type: 'idempotency_error',
            message:
              'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          },
        },
        400,
      );
    }
    return json(first.body);
  }

  const id = `cs_test_fake_${++sequence}_${Math.random().toString(36).slice(2, 10)}`;
  const body = {
    id,
    object: 'checkout.session',
    mode: form.mode,
    status: 'open',
    payment_status: 'unpaid',
    client_reference_id: form.client_reference_id ?? null,
    currency: form['line_items[0][price_data][currency]'] ?? null,
    amount_total: Number(form['line_items[0][price_data][unit_amount]'] ?? 0),
    url: form.client_reference_id?.startsWith(FAKE_STRIPE_NO_URL_PREFIX)
      ? null
      : `https://checkout.stripe.test/c/pay/${id}`,
  };
  sessions.set(id, { request: { method: 'POST', path: url.pathname, headers, form }, body });
  if (headers['idempotency-key']) sessionByIdempotencyKey.set(headers['idempotency-key'], id);
  return json(body);
}
