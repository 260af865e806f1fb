// Operators: models (prices), monthly plans, token packages, agents (with their estimate
// profiles) and the USD→INR rate. Every write
// drops the in-memory catalog so the next request reads it again; prices already charged live in
// each ledger row and are never rewritten.
import { json, type RouterType } from 'itty-router';
import { z } from 'zod';
import {
  agentCreateSchema,
  agentIdSchema,
  agentPatchSchema,
  catalogIdSchema,
  exchangeRateSchema,
  modelCreateSchema,
  modelIdSchema,
  modelPatchSchema,
  packageCreateSchema,
  packagePatchSchema,
  planCreateSchema,
  planPatchSchema,
} from '../catalog/adminSchemas';
import {
  catalogRowView,
  getCatalogRow,
  getUsdInrPaise,
  insertCatalogRow,
  listCatalogRows,
  setUsdInrPaise,
  updateCatalogRow,
  type CatalogTable,
} from '../catalog/adminStore';
import { DEFAULT_PLAN_ID } from '../../account/core/plans';
import { invalidateCatalog } from '../../account/stores/catalogCache';
import type { Env } from '../../env';
import { ApiError } from '../http/errors';
import { jsonBody, parseWith } from '../http/body';
import type { ApiRequest } from '../http/context';
import { ADMIN_LIST_PAGE_SIZE_DEFAULT, ADMIN_LIST_PAGE_SIZE_MAX } from '../../money/limits';

type Router = RouterType<ApiRequest, [Env, ExecutionContext]>;

export const adminListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(ADMIN_LIST_PAGE_SIZE_MAX).default(ADMIN_LIST_PAGE_SIZE_DEFAULT),
    cursor: z.string().min(1).max(100).optional(),
  })
  .strict();

interface CatalogEntity {
  /** URL segment and list key, e.g. "models". */
  plural: CatalogTable;
  noun: string;
  idSchema: z.ZodType<string>;
  createSchema: z.ZodType<Record<string, unknown> & { id: string }>;
  patchSchema: z.ZodType<Record<string, unknown>>;
}

const ENTITIES: CatalogEntity[] = [
  {
    plural: 'models',
    noun: 'model',
    idSchema: modelIdSchema,
    createSchema: modelCreateSchema,
    patchSchema: modelPatchSchema,
  },
  {
    plural: 'plans',
    noun: 'plan',
    idSchema: catalogIdSchema,
    createSchema: planCreateSchema,
    patchSchema: planPatchSchema,
  },
  {
    plural: 'packages',
    noun: 'package',
    idSchema: catalogIdSchema,
    createSchema: packageCreateSchema,
    patchSchema: packagePatchSchema,
  },
  {
    plural: 'agents',
    noun: 'agent',
    idSchema: agentIdSchema,
    createSchema: agentCreateSchema,
    patchSchema: agentPatchSchema,
  },
];

export function registerAdminCatalogRoutes(router: Router): void {
  for (const entity of ENTITIES) registerEntity(router, entity);

  router.get('/api/v1/admin/exchange-rate', async (request, env) => {
    return { usd_inr_paise: await getUsdInrPaise(env.DB) };
  });

  router.put('/api/v1/admin/exchange-rate', async (request, env) => {
    const body = await jsonBody(request, exchangeRateSchema);
    await setUsdInrPaise(env.DB, body.usd_inr_paise);
    invalidateCatalog();
    return body;
  });
}

function registerEntity(router: Router, entity: CatalogEntity): void {
  const base = `/api/v1/admin/${entity.plural}`;
  const idOf = (request: ApiRequest) => parseWith(entity.idSchema, request.params.id ?? '', 'id');
  const notFound = (id: string) => new ApiError('not_found', `No ${entity.noun} '${id}'.`);

  router.get(base, async (request, env) => {
    const query = parseWith(adminListQuerySchema, request.query, 'query');
    const rows = await listCatalogRows(env.DB, entity.plural, query.limit, query.cursor);
    return {
      [entity.plural]: rows.map(catalogRowView),
      next_cursor: rows.length === query.limit ? rows[rows.length - 1]!.id : null,
    };
  });

  router.get(`${base}/:id`, async (request, env) => {
    const id = idOf(request);
    const row = await getCatalogRow(env.DB, entity.plural, id);
    if (!row) throw notFound(id);
    return catalogRowView(row);
  });

  router.post(base, async (request, env) => {
    const body = await jsonBody(request, entity.createSchema);
    const row = await insertCatalogRow(env.DB, entity.plural, body);
    if (!row)
      throw new ApiError(
        'already_exists',
        `A ${entity.noun} with id '${body.id}' already exists; change it with PATCH ${base}/${body.id}.`,
      );
    invalidateCatalog();
    return json(catalogRowView(row), { status: 201 });
  });

  router.patch(`${base}/:id`, async (request, env) => {
    const id = idOf(request);
    const body = await jsonBody(request, entity.patchSchema);
    if (body.active === false) refuseDeactivating(entity, id);
    const row = await updateCatalogRow(env.DB, entity.plural, id, body);
    if (!row) throw notFound(id);
    invalidateCatalog();
    return catalogRowView(row);
  });

  // Deactivation, never deletion: history (ledger rows, redemptions) keeps pointing at the id.
  router.delete(`${base}/:id`, async (request, env) => {
    const id = idOf(request);
    refuseDeactivating(entity, id);
    const row = await updateCatalogRow(env.DB, entity.plural, id, { active: false });
    if (!row) throw notFound(id);
    invalidateCatalog();
    return catalogRowView(row);
  });
}

/** New accounts open on the default plan, so it must stay on offer. */
function refuseDeactivating(entity: CatalogEntity, id: string): void {
  if (entity.plural === 'plans' && id === DEFAULT_PLAN_ID) {
    throw new ApiError(
      'conflict',
      `The plan '${DEFAULT_PLAN_ID}' is the one new accounts open on; it cannot be deactivated.`,
    );
  }
}
