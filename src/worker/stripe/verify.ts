// The only way into the webhook: a Stripe-Signature over the exact raw bytes, made with our
// endpoint's secret, dated within the tolerance of now in either direction (the SDK checks only that
// it is not too old; a signature dated ahead would stay replayable for as long as it is ahead, so it
// is refused too). Nothing is parsed before it passes; a verified
// body that is not a JSON object is then refused for what it is, not as a bad signature.
import type Stripe from 'stripe';
import { ApiError } from '../http/errors';
import { readText } from '../http/body';
import { STRIPE_SIGNATURE_TOLERANCE_SECONDS, STRIPE_WEBHOOK_BODY_BYTES_MAX } from '../../money/limits';
import { stripeCrypto, stripeWebhooks } from './client';

export async function verifiedEvent(request: Request, secret: string | undefined): Promise<Stripe.Event> {
  if (!secret)
    throw new ApiError(
      'payment_unavailable',
      'Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET is not set).',
    );
  const signature = request.headers.get('Stripe-Signature');
  if (!signature) throw new ApiError('invalid_signature', 'The Stripe-Signature header is missing.');
  const body = await readText(request, STRIPE_WEBHOOK_BODY_BYTES_MAX);
  const verifier = stripeWebhooks.signature;
  if (!verifier) throw new Error('assertion failed: the stripe package has no webhook signature helper');
  const refused = new ApiError(
    'invalid_signature',
    `The Stripe-Signature does not match this body, or its timestamp is more than ${STRIPE_SIGNATURE_TOLERANCE_SECONDS} s from now.`,
  );
  try {
    await verifier.verifyHeaderAsync(body, signature, secret, STRIPE_SIGNATURE_TOLERANCE_SECONDS, stripeCrypto);
  } catch {
    // Wrong secret, altered body, or a timestamp outside the tolerance: all look the same to the sender.
    throw refused;
  }
  if (signedAtSeconds(signature) > Date.now() / 1000 + STRIPE_SIGNATURE_TOLERANCE_SECONDS) throw refused;
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new ApiError('malformed_json', 'The event body is not JSON.');
  }
  // routeStripeEvent checks the event's fields; it needs an object to read them from.
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw new ApiError('invalid_request', 'The event body is not a JSON object.', {
      issues: [{ field: 'body', message: 'not a JSON object' }],
    });
  return event as Stripe.Event;
}

/** The `t=` of a Stripe-Signature header the SDK has verified (so it is there and numeric). */
function signedAtSeconds(signature: string): number {
  const t = signature
    .split(',')
    .map((part) => part.trim())
    .find((part) => part.startsWith('t='));
  const seconds = Number(t?.slice(2));
  // Unreadable after the SDK accepted it: refuse rather than trust it.
  return Number.isFinite(seconds) ? seconds : Number.POSITIVE_INFINITY;
}
