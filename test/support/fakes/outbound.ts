// Miniflare's outbound service in tests: every fetch the Worker or a test makes lands here and is
// routed by host to a fake (Stripe, Anthropic). Anything else is refused: tests have no network.
import { Response } from 'miniflare';
import { fakeAnthropicApi } from './anthropicApi.ts';
import { FAKE_ANTHROPIC_HOST } from './anthropicApiKnobs.ts';
import { fakeStripeApi } from './stripeApi.ts';
import { FAKE_STRIPE_HOST } from './stripeApiKnobs.ts';

type OutboundRequest = Parameters<typeof fakeStripeApi>[0];

export function fakeOutbound(request: OutboundRequest): Promise<Response> {
  const host = new URL(request.url).hostname;
  if (host === FAKE_STRIPE_HOST) return fakeStripeApi(request);
  if (host === FAKE_ANTHROPIC_HOST) return fakeAnthropicApi(request);
  return Promise.resolve(
    new Response(JSON.stringify({ error: { message: `tests have no network: refused ${request.method} ${host}` } }), {
      status: 502,
      headers: { 'Content-Type': 'application/json' },
    }),
  );
}
