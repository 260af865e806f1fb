// The Stripe client in its Workers form: fetch for HTTP, Web Crypto for signatures, one pinned
// API version so the shape of every object (and every webhook we are sent) is the one we read.
import Stripe from 'stripe';
import type { Env } from '../../env';
import { isDevelopment } from '../http/environment';
import { ApiError } from '../http/errors';
import { STRIPE_API_RETRIES_MAX, STRIPE_API_TIMEOUT_MS } from '../../money/limits';

/** The API version this code was written against; set the webhook endpoint to the same version. */
const STRIPE_API_VERSION = '2026-10-28.endive' as const;

/** A client for this request. Cheap to build; none is cached, so no key outlives the request. */
export function stripeClient(env: Env): Stripe {
  if (!env.STRIPE_SECRET_KEY) {
    throw new ApiError(
      'payment_unavailable',
      'Payments are not configured on this server (STRIPE_SECRET_KEY is not set); balances, usage and everything else still work.',
    );
  }
  return new Stripe(env.STRIPE_SECRET_KEY, {
    apiVersion: STRIPE_API_VERSION,
    httpClient: Stripe.createFetchHttpClient(),
    timeout: STRIPE_API_TIMEOUT_MS,
    maxNetworkRetries: STRIPE_API_RETRIES_MAX,
    // Another API base is for the tests' fake and local trials: in production the key goes to Stripe only.
    ...apiBase(isDevelopment(env) ? env.STRIPE_API_BASE : undefined),
  });
}

/** Host, port and protocol of STRIPE_API_BASE (e.g. http://fake-stripe.test); Stripe's own when unset. */
function apiBase(base: string | undefined): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  if (!base) return {};
  const url = new URL(base);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}

/** Signature checks use Web Crypto; one provider serves the isolate. */
export const stripeCrypto = Stripe.createSubtleCryptoProvider();
export const stripeWebhooks = Stripe.webhooks;
