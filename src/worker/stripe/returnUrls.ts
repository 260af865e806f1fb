// Where Checkout sends the buyer back. Under npm start and in the tests the pages default to a local
// application on 127.0.0.1:3000; a production server has no such default (a buyer who has just paid
// would land on their own machine), so without CHECKOUT_SUCCESS_URL and CHECKOUT_CANCEL_URL a
// purchase answers 503 before Stripe is called.
import type { Env } from '../../env';
import { isDevelopment } from '../http/environment';
import { ApiError } from '../http/errors';
import type { CheckoutUrls } from './checkout';

const DEVELOPMENT_SUCCESS_URL = 'http://127.0.0.1:3000/billing/success?session_id={CHECKOUT_SESSION_ID}';
const DEVELOPMENT_CANCEL_URL = 'http://127.0.0.1:3000/billing/cancelled';

export function checkoutReturnUrls(env: Env): CheckoutUrls {
  const successUrl = env.CHECKOUT_SUCCESS_URL?.trim();
  const cancelUrl = env.CHECKOUT_CANCEL_URL?.trim();
  if (successUrl && cancelUrl) return { successUrl, cancelUrl };
  if (isDevelopment(env)) {
    return { successUrl: successUrl || DEVELOPMENT_SUCCESS_URL, cancelUrl: cancelUrl || DEVELOPMENT_CANCEL_URL };
  }
  throw new ApiError(
    'payment_unavailable',
    'Checkout is not configured on this server (CHECKOUT_SUCCESS_URL and CHECKOUT_CANCEL_URL must both be set); nothing was charged.',
  );
}
