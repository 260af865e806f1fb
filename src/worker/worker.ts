import type { Env } from '../env';
import { bearerOnly } from './http/auth';
import { createRouter } from './http/router';
import type { RouteDeclaration } from './openapi/route';
import { reconcileOrphans } from './promo/reconcile';
import { newRun } from '../account/contract/logLine';
import { adminRoutes } from './routes/admin';
import { adminAnalyticsRoutes } from './routes/adminAnalytics';
import { adminCatalogRoutes } from './routes/adminCatalog';
import { adminPlanRoutes } from './routes/adminPlans';
import { adminPromoRoutes } from './routes/adminPromo';
import { devSessionRoutes } from './routes/devSession';
import { estimateRoutes } from './routes/estimate';
import { healthRoutes } from './routes/health';
import { meRoutes } from './routes/me';
import { mountRoutes } from './routes/mount';
import { openApiDocumentRoute } from './routes/openApiDocument';
import { projectRoutes } from './routes/projects';
import { promoRoutes } from './routes/promo';
import { purchaseRoutes } from './routes/purchase';
import { reservationRoutes } from './routes/reservations';
import { serviceRoutes } from './routes/service';
import { stripeWebhookRoutes } from './routes/stripeWebhook';
import { tokenRoutes } from './routes/tokens';
import { usageBatchRoutes } from './routes/usageBatch';

/** Every route the Worker serves, each declared once: the router and /openapi.json both read this list. */
export const ROUTES: readonly RouteDeclaration[] = [
  ...healthRoutes,
  ...meRoutes,
  ...tokenRoutes,
  ...estimateRoutes,
  ...projectRoutes,
  ...promoRoutes,
  ...purchaseRoutes,
  ...stripeWebhookRoutes,
  ...serviceRoutes,
  ...reservationRoutes,
  ...usageBatchRoutes,
  ...adminRoutes,
  ...adminPlanRoutes,
  ...adminCatalogRoutes,
  ...adminPromoRoutes,
  ...adminAnalyticsRoutes,
  ...devSessionRoutes,
  openApiDocumentRoute(() => ROUTES),
];

const router = createRouter();
// Whole prefixes are guarded before any of their routes runs: 401 unless the right secret is sent.
router.all('/api/v1/admin/*', bearerOnly('ADMIN_TOKEN', 'admin'));
router.all('/api/v1/service/*', bearerOnly('SERVICE_TOKEN', 'service'));
mountRoutes(router, ROUTES);

export const worker = {
  fetch: (request, env, ctx) => router.fetch(request as never, env, ctx),
  // Cron (wrangler.toml): finish promo reservations whose request died half-way.
  scheduled: async (_controller, env) => void (await reconcileOrphans(env, null, Date.now(), newRun())),
} satisfies ExportedHandler<Env>;
