// POST /api/v1/tokens/purchase: a Stripe Checkout Session for one package or plan. Nothing is
// credited here; the signed webhook does that once Stripe says the buyer paid.
import { logLine } from '../../account/contract/logLine';
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { checkoutSchema } from '../openapi/adminResponses';
import { json } from 'itty-router';
import Stripe from 'stripe';
import { z } from 'zod';
import { getCatalog, type Catalog } from '../../account/stores/catalogCache';
import { ApiError } from '../http/errors';
import { authenticateAccountOwner } from '../http/auth';
import { jsonBody } from '../http/body';
import { accountOf, traceOf, type ApiRequest } from '../http/context';
import { settle } from '../http/accountResult';
import { idempotencyKey } from '../http/schemas';
import { CATALOG_ID_CHARS_MAX, SUBSCRIPTION_CHECKOUT_TTL_SECONDS } from '../../money/limits';
import { checkoutSessionParams, type Purchase } from '../stripe/checkout';
import { stripeClient } from '../stripe/client';
import { checkoutReturnUrls } from '../stripe/returnUrls';

const catalogId = z.string().min(1).max(CATALOG_ID_CHARS_MAX);

const purchaseBodySchema = z
  .object({ package_id: catalogId.optional(), plan_id: catalogId.optional() })
  .strict()
  .refine(
    (b) => (b.package_id === undefined) !== (b.plan_id === undefined),
    'send exactly one of package_id or plan_id',
  );
type PurchaseBody = z.infer<typeof purchaseBodySchema>;

export const purchaseRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/tokens/purchase',
    tag: 'Tokens',
    caller: 'user',
    summary: 'Open a Stripe Checkout Session for a package or a plan',
    request: { idempotencyKey: 'optional', body: purchaseBodySchema },
    responses: { 201: { description: '{ url, session_id, mode }', schema: checkoutSchema } },
    errors: [409, 502, 503],
    account: true,
    handler: async (request, env) => {
      const userId = await authenticateAccountOwner(request, env);
      const key = idempotencyKey(request, false);
      // The request is judged before the server: a bad body is a 400 whether or not Stripe is set up.
      const body = await jsonBody(request, purchaseBodySchema);
      const purchase = resolvePurchase(await getCatalog(env.DB), body);
      const stripe = stripeClient(env);
      const urls = checkoutReturnUrls(env);
      // The same Idempotency-Key returns the same session instead of opening a second one.
      const options = key === undefined ? undefined : { idempotencyKey: `checkout:${userId}:${key}` };
      if (purchase.kind === 'package') {
        return opened(await openSession(stripe, checkoutSessionParams(userId, purchase, urls), options, request));
      }

      // One subscription at a time: the account marks the checkout before Stripe is asked, so
      // concurrent requests cannot all pass the check before any webhook has arrived.
      const account = accountOf(env, userId);
      const attemptId = crypto.randomUUID();
      const until = Date.now() + SUBSCRIPTION_CHECKOUT_TTL_SECONDS * 1000;
      const mark = await settle(
        request,
        env,
        account.beginSubscriptionCheckout({ attemptId, idempotencyKey: key ?? null, until }, traceOf(request)),
      );
      try {
        return opened(
          await openSession(stripe, checkoutSessionParams(userId, purchase, urls, mark.until), options, request),
        );
      } catch (error) {
        // No session to pay: the mark goes, so the user may try again at once (best effort; it expires anyway).
        await account.abandonSubscriptionCheckout(attemptId, traceOf(request)).catch(() => undefined);
        throw error;
      }
    },
  }),
];

function opened(session: Stripe.Checkout.Session & { url: string }): Response {
  return json({ url: session.url, session_id: session.id, mode: session.mode }, { status: 201 });
}

/** Ask Stripe for the session; its refusals, and a session with no url to send the buyer to, are ours to explain. */
async function openSession(
  stripe: Stripe,
  params: Stripe.Checkout.SessionCreateParams,
  options: Stripe.RequestOptions | undefined,
  request: ApiRequest,
): Promise<Stripe.Checkout.Session & { url: string }> {
  const log = { requestId: request.requestId };
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create(params, options);
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    if (error instanceof Stripe.errors.StripeIdempotencyError) {
      throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was already used for a different purchase.');
    }
    logLine('error', 'purchase', log, { stripe_error: error.type, stripe_code: error.code, status: error.statusCode });
    throw new ApiError(
      'payment_provider_error',
      'Stripe could not open a checkout session; nothing was charged. Try again shortly.',
    );
  }
  // A session without a url is one the buyer cannot be sent to: Stripe's failure, not a success.
  if (!session.url) {
    logLine('error', 'purchase', log, { stripe_session: session.id, missing: 'url' });
    throw new ApiError(
      'payment_provider_error',
      'Stripe opened a checkout session without a url to send you to; nothing was charged. Try again shortly.',
    );
  }
  return { ...session, url: session.url };
}

function resolvePurchase(catalog: Catalog, body: PurchaseBody): Purchase {
  if (body.package_id !== undefined) {
    const item = catalog.packages.find((p) => p.id === body.package_id);
    if (!item)
      throw unknown(
        'package_id',
        body.package_id,
        catalog.packages.map((p) => p.id),
      );
    return { kind: 'package', item };
  }
  const planId = body.plan_id!;
  const item = catalog.plans.get(planId);
  const sellable = [...catalog.plans.values()].filter((p) => p.active && p.pricePaise > 0).map((p) => p.id);
  // Retired plans stay in the catalog for the users already on them, but are not sold.
  if (!item || !item.active) throw unknown('plan_id', planId, sellable);
  if (item.pricePaise === 0) {
    throw new ApiError(
      'invalid_request',
      `plan_id: '${planId}' is free and needs no purchase; paid plans: ${sellable.join(', ')}.`,
      {
        issues: [{ field: 'plan_id', message: 'free plan' }],
      },
    );
  }
  return { kind: 'plan', item };
}

function unknown(field: string, id: string, known: string[]): ApiError {
  return new ApiError('invalid_request', `${field}: unknown id '${id}'; known: ${known.join(', ')}.`, {
    issues: [{ field, message: 'unknown id' }],
  });
}
