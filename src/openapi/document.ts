// The OpenAPI 3.1 document, built from OPERATIONS with zod 4's own JSON Schema output
// (z.toJSONSchema, draft 2020-12, which OpenAPI 3.1 uses as is). No extra library: the schemas the
// routes validate with become the request schemas; responses are described in words, errors by
// the one shape every error has.
import { z } from 'zod';
import { ERROR_STATUS } from '../errors';
import { OPERATIONS, type Caller, type Operation } from './operations';

type JsonSchema = Record<string, unknown>;

const SECURITY: Record<Exclude<Caller, 'public' | 'development'>, string> = {
  user: 'userJwt',
  service: 'serviceToken',
  admin: 'adminToken',
  stripe: 'stripeSignature',
};

const STATUS_WORDS: Record<number, string> = {
  400: 'Invalid input: the body names each field (`issues`)',
  401: 'Missing or invalid credentials',
  402: 'The balance cannot cover the charge; nothing was charged',
  403: 'Not allowed for this caller or plan',
  404: 'Not found',
  409: 'Conflict (already done, in progress, or an Idempotency-Key reused with another body)',
  410: 'No longer available',
  413: 'Body over the size limit',
  422: 'Valid input that a limit or rule refuses',
  429: 'Too many requests; Retry-After says when to retry',
  502: 'The payment provider refused; nothing was charged',
  503: 'Not configured on this server (e.g. Stripe keys)',
};

/** JSON Schema of what a zod schema accepts, ready to embed (no `$schema` key). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  // `input`: the shape a client sends (before defaults and coercion); anything JSON Schema cannot
  // say (a refinement across fields) is left open rather than failing the whole document.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** `/users/:userId/usage` → `/users/{userId}/usage`. */
export function openApiPath(routerPath: string): string {
  return routerPath.replace(/:(\w+)/g, '{$1}');
}

function parameters(op: Operation): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [name, schema] of Object.entries(op.params ?? {})) {
    list.push({ name, in: 'path', required: true, schema: jsonSchemaOf(schema) });
  }
  if (op.query) {
    const query = jsonSchemaOf(op.query);
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties ?? {}) as Record<string, JsonSchema>)) {
      list.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  if (op.idempotencyKey) {
    list.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: op.idempotencyKey === 'required',
      description: 'A retry with the same key and body returns the first answer and changes nothing.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  return list;
}

function responses(op: Operation): JsonSchema {
  const out: JsonSchema = { [op.success.status]: { description: op.success.description } };
  const statuses = new Set<number>([400, ...(op.caller === 'public' ? [] : [401]), ...(op.errors ?? [])]);
  for (const status of [...statuses].sort()) {
    out[status] = {
      description: STATUS_WORDS[status] ?? 'Error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return out;
}

function operationObject(op: Operation): JsonSchema {
  const object: JsonSchema = {
    operationId: `${op.method}${openApiPath(op.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    tags: [op.tag],
    summary: op.summary,
    responses: responses(op),
  };
  const params = parameters(op);
  if (params.length) object.parameters = params;
  if (op.body)
    object.requestBody = { required: true, content: { 'application/json': { schema: jsonSchemaOf(op.body) } } };
  if (op.caller === 'public' || op.caller === 'development') object.security = [];
  else object.security = [{ [SECURITY[op.caller]]: [] }];
  return object;
}

function buildDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of OPERATIONS) {
    const item = (paths[openApiPath(op.path)] ??= {});
    item[op.method] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'BharatBuild token service',
      version: '1',
      description:
        'Per-user token ledgers on Cloudflare Workers. Request schemas are generated from the zod schemas the ' +
        'routes validate with; docs/api.md has examples of every response.',
    },
    paths,
    components: {
      securitySchemes: {
        userJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256, sub = user id' },
        serviceToken: { type: 'http', scheme: 'bearer', description: 'SERVICE_TOKEN of the platform backend' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of operators' },
        stripeSignature: { type: 'apiKey', in: 'header', name: 'Stripe-Signature' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'code', 'message'],
          properties: {
            error: { type: 'string', description: 'A title' },
            code: { type: 'string', enum: Object.keys(ERROR_STATUS), description: 'Stable; switch on this' },
            message: { type: 'string', description: 'For people' },
            issues: {
              type: 'array',
              items: {
                type: 'object',
                properties: { field: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
}

let cached: JsonSchema | undefined;

/** The document, built once per isolate. */
export function openApiDocument(): JsonSchema {
  return (cached ??= buildDocument());
}
