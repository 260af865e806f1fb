// The OpenAPI 3.1 document, built from the route declarations with zod 4's own JSON Schema output
// (z.toJSONSchema, draft 2020-12, which OpenAPI 3.1 uses as is). Request schemas are the ones the
// handlers validate with; response schemas are the presenters' shapes (responses.ts and its
// neighbours). A schema named with `named()` is emitted once under `components.schemas` and
// referenced with `$ref` wherever it appears. Every error answer is the one Error shape with `code`
// narrowed to the codes that route can answer.
import { z } from 'zod';
import { idempotencyKeySchema } from '../http/schemas';
import { errorBodySchema } from './errorBody';
import { CODES_WITH_ISSUES, errorCodesOf, errorStatusesOf } from './errors';
import type { Caller, HeaderDoc, RouteDeclaration } from './route';

type JsonSchema = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';

const SECURITY: Record<Exclude<Caller, 'public' | 'development'>, string> = {
  user: 'userJwt',
  service: 'serviceToken',
  admin: 'adminToken',
  stripe: 'stripeSignature',
};

const STATUS_WORDS: Record<number, string> = {
  400: 'Invalid input: a validation refusal names each field (`issues`)',
  401: 'Missing or invalid credentials',
  402: 'The balance cannot cover the charge; nothing was charged',
  403: 'Not allowed for this caller or plan',
  404: 'Not found',
  409: 'Conflict (already done, in progress, or an Idempotency-Key reused with another body)',
  410: 'No longer available',
  413: 'Body over the size limit',
  415: 'A body sent as anything but application/json (a charset parameter is fine); nothing changed',
  422: 'Valid input that a limit or rule refuses',
  429: 'Too many requests; Retry-After says when to retry',
  500: 'A bug on our side; nothing was charged twice',
  502: 'The payment provider or the model refused; nothing was charged for it',
  503: 'Not available on this server right now (e.g. Stripe keys unset, the catalog or the identity provider unreachable, no model runner, a setting the server cannot run with)',
};

const HEADER_WORDS = {
  'X-Request-Id': 'The id of this request (Cloudflare’s Ray ID where it runs on Cloudflare); error bodies repeat it',
  'X-Process-Time': 'Seconds the Worker spent on the request',
  'X-Tokens-Remaining': 'The user’s spendable tokens after this request',
  'X-Tokens-Used-Today': 'Tokens the user spent today (UTC)',
  'X-Requests-Today': 'Requests the user made today (UTC)',
};
// A Ray ID (16 hex digits and the data centre) or a UUID.
const REQUEST_ID_PATTERN = '^[0-9A-Za-z-]{1,64}$';
const ACCOUNT_HEADERS = ['X-Tokens-Remaining', 'X-Tokens-Used-Today', 'X-Requests-Today'] as const;
// Refusals by the user's account (rather than by the Worker before it) carry its numbers too.
const ACCOUNT_REFUSALS = new Set([402, 404, 409, 422, 429]);

/** The document's `components.schemas`, filled as the named schemas are met. */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  /** JSON Schema of a zod schema, each named schema in it replaced by a `$ref` to its component. */
  schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
    // Named schemas come back as local `$defs`: they become components, and their references follow.
    const rewritten = JSON.parse(JSON.stringify(converted).replaceAll('"#/$defs/', `"${COMPONENTS}`)) as JsonSchema;
    const { $schema: _dialect, $defs, ...rest } = rewritten;
    for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) this.schemas[name] = def;
    return rest;
  }
}

/** `/users/:userId/usage` → `/users/{userId}/usage`. */
export function openApiPath(routerPath: string): string {
  return routerPath.replace(/:(\w+)/g, '{$1}');
}

function header(doc: HeaderDoc): JsonSchema {
  return {
    description: doc.description,
    required: doc.required ?? false,
    schema: doc.pattern ? { type: 'string', pattern: doc.pattern } : { type: 'string' },
  };
}

// The headers every answer carries, written once under components.headers; an account's headers are
// always on its successes (their `.success` entries) and on refusals when the account was read.
const ON_SUCCESS = '.success';
const SHARED_HEADERS: Record<string, JsonSchema> = {
  'X-Request-Id': header({ description: HEADER_WORDS['X-Request-Id'], required: true, pattern: REQUEST_ID_PATTERN }),
  'X-Process-Time': header({ description: HEADER_WORDS['X-Process-Time'], required: true, pattern: '^[0-9.]+$' }),
  ...Object.fromEntries(
    ACCOUNT_HEADERS.flatMap((name) => [
      [name, header({ description: HEADER_WORDS[name], pattern: '^[0-9]+$' })],
      [`${name}${ON_SUCCESS}`, header({ description: HEADER_WORDS[name], required: true, pattern: '^[0-9]+$' })],
    ]),
  ),
  'Retry-After': header({ description: 'Seconds to wait before retrying', required: true, pattern: '^[0-9]+$' }),
};

function errorHeadersOf(route: RouteDeclaration, status: number): JsonSchema {
  const names = ['X-Request-Id', 'X-Process-Time'];
  if (route.account && ACCOUNT_REFUSALS.has(status)) names.push(...ACCOUNT_HEADERS);
  if (status === 429) names.push('Retry-After');
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}

function headersOf(route: RouteDeclaration, success: Record<string, HeaderDoc>): JsonSchema {
  const names = ['X-Request-Id', 'X-Process-Time'];
  if (route.account) names.push(...ACCOUNT_HEADERS.map((name) => `${name}${ON_SUCCESS}`));
  const out: JsonSchema = Object.fromEntries(
    names.map((name) => [name.replace(ON_SUCCESS, ''), { $ref: `#/components/headers/${name}` }]),
  );
  for (const [name, doc] of Object.entries(success)) out[name] = header(doc);
  return out;
}

function parameters(route: RouteDeclaration, components: Components): JsonSchema[] {
  const request = route.request ?? {};
  const list: JsonSchema[] = [];
  for (const [name, schema] of Object.entries(request.params ?? {})) {
    list.push({ name, in: 'path', required: true, schema: components.schemaOf(schema, 'input') });
  }
  if (request.query) {
    const query = components.schemaOf(request.query, 'input');
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties ?? {}) as Record<string, JsonSchema>)) {
      list.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  if (request.idempotencyKey) {
    list.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: request.idempotencyKey === 'required',
      description: 'A retry with the same key and body returns the first answer and changes nothing.',
      schema: components.schemaOf(idempotencyKeySchema, 'input'),
    });
  }
  return list;
}

function errorSchemaAt(route: RouteDeclaration, status: number): JsonSchema {
  const codes = errorCodesOf(route, status);
  // The shared shape by reference, `code` narrowed beside it (JSON Schema 2020-12 allows both).
  const schema: JsonSchema = { $ref: `${COMPONENTS}Error`, properties: { code: { enum: codes } } };
  const needIssues = codes.filter((code) => CODES_WITH_ISSUES.includes(code));
  if (needIssues.length) {
    schema.if = { properties: { code: { enum: needIssues } } };
    schema.then = { required: ['issues'] };
  }
  return schema;
}

function responses(route: RouteDeclaration, components: Components): JsonSchema {
  const out: JsonSchema = {};
  for (const [status, success] of Object.entries(route.responses)) {
    const content: JsonSchema = { 'application/json': { schema: components.schemaOf(success.schema, 'output') } };
    for (const [type, words] of Object.entries(success.alternatives ?? {})) {
      content[type] = { schema: { type: 'string', description: words } };
    }
    out[status] = {
      description: success.description,
      headers: headersOf(route, success.headers ?? {}),
      content,
    };
  }
  for (const status of errorStatusesOf(route)) {
    out[status] = {
      description: STATUS_WORDS[status] ?? 'Error',
      headers: errorHeadersOf(route, status),
      content: { 'application/json': { schema: errorSchemaAt(route, status) } },
    };
  }
  return out;
}

function operationId(route: RouteDeclaration): string {
  const words = openApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) =>
    (c ?? '').toUpperCase(),
  );
  return `${route.method}${words}`;
}

function operationObject(route: RouteDeclaration, components: Components): JsonSchema {
  const object: JsonSchema = {
    operationId: operationId(route),
    tags: [route.tag],
    summary: route.summary,
    responses: responses(route, components),
  };
  const params = parameters(route, components);
  if (params.length) object.parameters = params;
  const request = route.request ?? {};
  if (request.body) {
    object.requestBody = {
      required: !request.bodyOptional,
      content: { 'application/json': { schema: components.schemaOf(request.body, 'input') } },
    };
  } else if (request.rawBody) {
    object.requestBody = {
      required: true,
      content: { 'application/json': { schema: { type: 'object', description: 'Verified over the raw bytes' } } },
    };
  }
  object.security =
    route.caller === 'public' || route.caller === 'development' ? [] : [{ [SECURITY[route.caller]]: [] }];
  return object;
}

function buildDocument(routes: readonly RouteDeclaration[]): JsonSchema {
  const components = new Components();
  components.schemaOf(errorBodySchema, 'output');
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const item = (paths[openApiPath(route.path)] ??= {});
    item[route.method] = operationObject(route, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'BharatBuild token service',
      version: '1',
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Per-user token ledgers on Cloudflare Workers. Every route is declared once; the router and this ' +
        'document both read the declaration. docs/api.md has examples of every response.',
    },
    servers: [
      { url: '/', description: 'The server that serves this document' },
      { url: 'http://127.0.0.1:8787', description: 'npm start, on this machine' },
    ],
    paths,
    components: {
      securitySchemes: {
        userJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'HS256 signed with JWT_SECRET (sub = user id), or RS256/ES256 from the identity provider of JWT_JWKS_URL (iss, aud checked; the user id in JWT_USER_ID_CLAIM, default sub); exp required',
        },
        serviceToken: { type: 'http', scheme: 'bearer', description: 'SERVICE_TOKEN of the platform backend' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of operators' },
        stripeSignature: { type: 'apiKey', in: 'header', name: 'Stripe-Signature' },
      },
      headers: SHARED_HEADERS,
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}

const built = new WeakMap<readonly RouteDeclaration[], JsonSchema>();

/** The document of these routes, built once per isolate. */
export function openApiDocument(routes: readonly RouteDeclaration[]): JsonSchema {
  let document = built.get(routes);
  if (!document) built.set(routes, (document = buildDocument(routes)));
  return document;
}
