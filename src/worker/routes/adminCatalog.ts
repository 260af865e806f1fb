// Operators: models (prices), monthly plans, token packages, agents (with their estimate
// profiles) and the USD→INR rate. Every write
// drops the in-memory catalog so the next request reads it again; prices already charged live in
// each ledger row and are never rewritten.
import { json } from 'itty-router';
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
import { ApiError } from '../http/errors';
import {
  agentRowSchema,
  catalogListSchema,
  exchangeRateResponseSchema,
  modelRowSchema,
  packageRowSchema,
  planRowSchema,
} from '../openapi/adminResponses';
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { jsonBody, parseWith } from '../http/body';
import type { ApiRequest } from '../http/context';
import { ADMIN_LIST_PAGE_SIZE_DEFAULT, ADMIN_LIST_PAGE_SIZE_MAX } from '../../money/limits';

const adminListQuerySchema = z
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
  /** A row as the operators' routes answer it. */
  rowSchema: z.ZodType;
}

const ENTITIES: CatalogEntity[] = [
  {
    plural: 'models',
    rowSchema: modelRowSchema,
    noun: 'model',
    idSchema: modelIdSchema,
    createSchema: modelCreateSchema,
    patchSchema: modelPatchSchema,
  },
  {
    plural: 'plans',
    rowSchema: planRowSchema,
    noun: 'plan',
    idSchema: catalogIdSchema,
    createSchema: planCreateSchema,
    patchSchema: planPatchSchema,
  },
  {
    plural: 'packages',
    rowSchema: packageRowSchema,
    noun: 'package',
    idSchema: catalogIdSchema,
    createSchema: packageCreateSchema,
    patchSchema: packagePatchSchema,
  },
  {
    plural: 'agents',
    rowSchema: agentRowSchema,
    noun: 'agent',
    idSchema: agentIdSchema,
    createSchema: agentCreateSchema,
    patchSchema: agentPatchSchema,
  },
];

const TAG = 'Catalog (operators)';

export const adminCatalogRoutes: readonly RouteDeclaration[] = [
  ...ENTITIES.flatMap(entityRoutes),
  defineRoute({
    method: 'get',
    path: '/api/v1/admin/exchange-rate',
    tag: TAG,
    caller: 'admin',
    summary: 'The USD→INR rate, in paise per dollar',
    responses: { 200: { description: '{ usd_inr_paise }', schema: exchangeRateResponseSchema } },
    handler: async (_request, env) => {
      return { usd_inr_paise: await getUsdInrPaise(env.DB) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/admin/exchange-rate',
    tag: TAG,
    caller: 'admin',
    summary: 'Set the USD→INR rate',
    request: { body: exchangeRateSchema },
    responses: { 200: { description: '{ usd_inr_paise }', schema: exchangeRateResponseSchema } },
    handler: async (request, env) => {
      const body = await jsonBody(request, exchangeRateSchema);
      await setUsdInrPaise(env.DB, body.usd_inr_paise);
      invalidateCatalog();
      return body;
    },
  }),
];

function entityRoutes(entity: CatalogEntity): RouteDeclaration[] {
  const { plural, noun } = entity;
  const base = `/api/v1/admin/${plural}`;
  const idOf = (request: ApiRequest) => parseWith(entity.idSchema, request.params.id ?? '', 'id');
  const notFound = (id: string) => new ApiError('not_found', `No ${noun} '${id}'.`);
  const params = { id: entity.idSchema };
  const one = (description: string) => ({ description, schema: entity.rowSchema });

  return [
    defineRoute({
      method: 'get',
      path: base,
      tag: TAG,
      caller: 'admin',
      summary: `List ${plural}, inactive ones included`,
      request: { query: adminListQuerySchema },
      responses: {
        200: { description: `{ ${plural}: [...], next_cursor }`, schema: catalogListSchema(plural, entity.rowSchema) },
      },
      handler: async (request, env) => {
        const query = parseWith(adminListQuerySchema, request.query, 'query');
        const rows = await listCatalogRows(env.DB, plural, query.limit, query.cursor);
        return {
          [plural]: rows.map(catalogRowView),
          next_cursor: rows.length === query.limit ? rows[rows.length - 1]!.id : null,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/:id`,
      tag: TAG,
      caller: 'admin',
      summary: `Read one ${noun}`,
      request: { params },
      responses: { 200: one(`The ${noun}`) },
      errors: [404],
      handler: async (request, env) => {
        const id = idOf(request);
        const row = await getCatalogRow(env.DB, plural, id);
        if (!row) throw notFound(id);
        return catalogRowView(row);
      },
    }),
    defineRoute({
      method: 'post',
      path: base,
      tag: TAG,
      caller: 'admin',
      summary: `Create a ${noun}`,
      request: { body: entity.createSchema },
      responses: { 201: one(`The new ${noun}`) },
      errors: [409],
      handler: async (request, env) => {
        const body = await jsonBody(request, entity.createSchema);
        const row = await insertCatalogRow(env.DB, plural, body);
        if (!row)
          throw new ApiError(
            'already_exists',
            `A ${noun} with id '${body.id}' already exists; change it with PATCH ${base}/${body.id}.`,
          );
        invalidateCatalog();
        return json(catalogRowView(row), { status: 201 });
      },
    }),
    defineRoute({
      method: 'patch',
      path: `${base}/:id`,
      tag: TAG,
      caller: 'admin',
      summary: `Change any field of a ${noun} but its id`,
      request: { params, body: entity.patchSchema },
      responses: { 200: one(`The ${noun} as changed`) },
      errors: [404, 409],
      handler: async (request, env) => {
        const id = idOf(request);
        const body = await jsonBody(request, entity.patchSchema);
        if (body.active === false) refuseDeactivating(entity, id);
        const row = await updateCatalogRow(env.DB, plural, id, body);
        if (!row) throw notFound(id);
        invalidateCatalog();
        return catalogRowView(row);
      },
    }),
    // Deactivation, never deletion: history (ledger rows, redemptions) keeps pointing at the id.
    defineRoute({
      method: 'delete',
      path: `${base}/:id`,
      tag: TAG,
      caller: 'admin',
      summary: `Deactivate a ${noun} (nothing is deleted)`,
      request: { params },
      responses: { 200: one(`The ${noun}, active: false`) },
      errors: [404, 409],
      handler: async (request, env) => {
        const id = idOf(request);
        refuseDeactivating(entity, id);
        const row = await updateCatalogRow(env.DB, plural, id, { active: false });
        if (!row) throw notFound(id);
        invalidateCatalog();
        return catalogRowView(row);
      },
    }),
  ];
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
