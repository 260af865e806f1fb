// POST /webhooks/stripe: verify, route to the buyer's object, apply once. Stripe retries anything
// but a 2xx, so events we do not act on still get 200 (with the reason), and only a failure on
// our side (5xx) asks for a retry.
import { logLine } from '../../account/contract/logLine';
import { json } from 'itty-router';
import { getCatalog } from '../../account/stores/catalogCache';
import { settle } from '../http/accountResult';
import { accountOf, traceOf } from '../http/context';
import { stripeReceiptSchema } from '../openapi/adminResponses';
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { routeStripeEvent } from '../stripe/events';
import { verifiedEvent } from '../stripe/verify';

const STRIPE_WEBHOOK_PATHS = ['/webhooks/stripe', '/api/v1/webhooks/stripe'] as const;

export const stripeWebhookRoutes: readonly RouteDeclaration[] = STRIPE_WEBHOOK_PATHS.map((path) =>
  defineRoute({
    method: 'post',
    path,
    tag: 'Stripe',
    caller: 'stripe',
    summary: 'Stripe’s signed events (verified over the raw body)',
    request: { rawBody: true },
    responses: { 200: { description: '{ received: true, result | ignored }', schema: stripeReceiptSchema } },
    errors: [503],
    handler: async (request, env) => {
      const event = await verifiedEvent(request, env.STRIPE_WEBHOOK_SECRET);
      const routed = routeStripeEvent(event, await getCatalog(env.DB));
      if ('ignored' in routed) {
        logLine(
          'info',
          'stripe_webhook',
          { requestId: request.requestId },
          {
            event_id: event.id,
            type: event.type,
            ignored: routed.ignored,
          },
        );
        return { received: true, ignored: routed.ignored };
      }
      const outcome = await settle(
        request,
        env,
        accountOf(env, routed.userId).applyStripeEvent(routed.command, traceOf(request)),
      );
      if (outcome.result === 'plan_unavailable') {
        logLine(
          'warn',
          'stripe_webhook',
          { requestId: request.requestId },
          {
            event_id: event.id,
            type: event.type,
            result: outcome.result,
            user_id: routed.userId,
          },
        );
      }
      return json({
        received: true,
        result: outcome.result,
        ...(outcome.tokens !== undefined && { tokens: outcome.tokens }),
        ...(outcome.planId !== undefined && {
          plan_id: outcome.planId,
          pending_plan_id: outcome.pendingPlanId ?? null,
        }),
      });
    },
  }),
);
