// The only way into the webhook: a Stripe-Signature over the exact raw bytes, made with our
// endpoint's secret, no older than the tolerance. Nothing is parsed before it passes.
import type Stripe from 'stripe';
import { ApiError } from '../errors';
import { readText } from '../http/body';
import { STRIPE_SIGNATURE_TOLERANCE_SECONDS, STRIPE_WEBHOOK_BODY_BYTES_MAX } from '../limits';
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
  try {
    return await stripeWebhooks.constructEventAsync(
      body,
      signature,
      secret,
      STRIPE_SIGNATURE_TOLERANCE_SECONDS,
      stripeCrypto,
    );
  } catch {
    // Wrong secret, altered body, or a timestamp outside the tolerance: all look the same to the sender.
    throw new ApiError(
      'invalid_signature',
      'The Stripe-Signature does not match this body, or its timestamp is too old.',
    );
  }
}
