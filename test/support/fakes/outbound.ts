// Miniflare's outbound service in tests: every fetch the Worker or a test makes lands here and is
// routed by host to a fake (Stripe, Anthropic, an identity provider). Anything else is refused: tests have no network.
import { Response } from 'miniflare';
import { fakeAnthropicApi } from './anthropicApi.ts';
import { FAKE_ANTHROPIC_HOST } from './anthropicApiKnobs.ts';
import { fakeIdentityProvider } from './identityProvider.ts';
import { FAKE_IDP_HOST, FAKE_IDP_LOOPBACK_PORT } from './identityProviderKnobs.ts';
import { fakeStripeApi } from './stripeApi.ts';
import { FAKE_STRIPE_HOST } from './stripeApiKnobs.ts';

type OutboundRequest = Parameters<typeof fakeStripeApi>[0];

export function fakeOutbound(request: OutboundRequest): Promise<Response> {
  const url = new URL(request.url);
  const host = url.hostname;
  if (host === FAKE_STRIPE_HOST) return fakeStripeApi(request);
  if (host === FAKE_ANTHROPIC_HOST) return fakeAnthropicApi(request);
  if (host === FAKE_IDP_HOST) return fakeIdentityProvider(request);
  if (['127.0.0.1', 'localhost'].includes(host) && url.port === FAKE_IDP_LOOPBACK_PORT)
    return fakeIdentityProvider(request);
  return Promise.resolve(
    new Response(JSON.stringify({ error: { message: `tests have no network: refused ${request.method} ${host}` } }), {
      status: 502,
      headers: { 'Content-Type': 'application/json' },
    }),
  );
}
