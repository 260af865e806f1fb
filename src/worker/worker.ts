import type { Env } from '../env';
import { bearerOnly } from './http/auth';
import { createRouter } from './http/router';
import { registerOpenApiRoute } from './openapi/route';
import { reconcileOrphans } from './promo/reconcile';
import { registerAdminRoutes } from './routes/admin';
import { registerAdminAnalyticsRoutes } from './routes/adminAnalytics';
import { registerAdminPlanRoutes } from './routes/adminPlans';
import { registerAdminCatalogRoutes } from './routes/adminCatalog';
import { registerAdminPromoRoutes } from './routes/adminPromo';
import { registerDevSessionRoute } from './routes/devSession';
import { registerEstimateRoutes } from './routes/estimate';
import { registerMeRoute } from './routes/me';
import { registerProjectRoutes } from './routes/projects';
import { registerPromoRoutes } from './routes/promo';
import { registerPurchaseRoutes } from './routes/purchase';
import { registerReservationRoutes } from './routes/reservations';
import { registerServiceRoutes } from './routes/service';
import { registerUsageBatchRoute } from './routes/usageBatch';
import { registerStripeWebhookRoutes } from './routes/stripeWebhook';
import { registerTokenRoutes } from './routes/tokens';

const router = createRouter();
router.get('/health', () => ({ status: 'ok' }));
router.get('/api/v1/health', () => ({ status: 'ok' }));
// Whole prefixes are guarded before any of their routes runs: 401 unless the right secret is sent.
router.all('/api/v1/admin/*', bearerOnly('ADMIN_TOKEN', 'admin'));
router.all('/api/v1/service/*', bearerOnly('SERVICE_TOKEN', 'service'));
registerMeRoute(router);
registerTokenRoutes(router);
registerEstimateRoutes(router);
registerProjectRoutes(router);
registerPromoRoutes(router);
registerPurchaseRoutes(router);
registerStripeWebhookRoutes(router);
registerServiceRoutes(router);
registerReservationRoutes(router);
registerUsageBatchRoute(router);
registerAdminRoutes(router);
registerAdminPlanRoutes(router);
registerAdminCatalogRoutes(router);
registerAdminPromoRoutes(router);
registerAdminAnalyticsRoutes(router);
registerDevSessionRoute(router);
registerOpenApiRoute(router);

export const worker = {
  fetch: (request, env, ctx) => router.fetch(request as never, env, ctx),
  // Cron (wrangler.toml): finish promo reservations whose request died half-way.
  scheduled: async (_controller, env) => void (await reconcileOrphans(env, null, Date.now())),
} satisfies ExportedHandler<Env>;
