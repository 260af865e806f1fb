// Shared by the fake Stripe API (Node side) and the tests (Workers side): no imports here.

/** The host STRIPE_API_BASE points at in tests. */
export const FAKE_STRIPE_HOST = 'fake-stripe.test';
/** A user id starting with this makes the fake answer like Stripe refusing the request. */
export const FAKE_STRIPE_REFUSE_PREFIX = 'stripe-refuses-';
/** A user id starting with this makes the fake answer a session without a `url`. */
export const FAKE_STRIPE_NO_URL_PREFIX = 'stripe-no-url-';
