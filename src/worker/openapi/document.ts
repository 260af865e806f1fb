// The OpenAPI 3.1 document, built from OPERATIONS with zod 4's own JSON Schema output
// (z.toJSONSchema, draft 2020-12, which OpenAPI 3.1 uses as is). No extra library: the schemas the
// routes validate with become the request schemas; the main routes' answers have schemas of their own
// (./responses.ts), the others are described in words; every error has the one error shape, with the
// codes that operation can answer.
import { z } from 'zod';
import type { ErrorCode } from '../../account/contract/errorCodes';
import { ERROR_STATUS } from '../http/errors';
import { OPERATIONS, type Caller, type Operation } from './operations';
import { errorBodySchema } from './responses';

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

/** JSON Schema of what a zod schema produces: a response body as clients receive it. */
export function responseSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/**
 * The error codes an operation can answer with `status`: every code of that status, less those
 * that belong to other kinds of route (promo codes, payments, Stripe signatures, Idempotency-Key rules of
 * routes that read no key, bodies of routes that take none).
 */
export function errorCodesOf(op: Operation, status: number): ErrorCode[] {
  const codes = (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === status);
  return codes.filter((code) => {
    if (code.startsWith('promo_')) return op.path.endsWith('/redeem-code');
    if (code === 'invalid_signature') return op.caller === 'stripe';
    if (code.startsWith('payment_')) return op.path.endsWith('/purchase') || op.caller === 'stripe';
    if (code === 'idempotency_key_required') return op.idempotencyKey === 'required';
    if (code === 'idempotency_key_reused') return op.idempotencyKey !== undefined;
    if (code === 'malformed_json') return op.body !== undefined || op.caller === 'stripe';
    return true;
  });
}

/** The zod schema of an operation's error body at `status`: the one error shape, `code` narrowed. */
export function errorSchemaOf(op: Operation, status: number): z.ZodType {
  const codes = errorCodesOf(op, status);
  return errorBodySchema.extend({ code: z.enum(codes as [ErrorCode, ...ErrorCode[]]) });
}

/** Statuses an operation answers with the error body: 400 always, 401 unless public, then its own. */
export function errorStatusesOf(op: Operation): number[] {
  const statuses = new Set<number>([400, ...(op.caller === 'public' ? [] : [401]), ...(op.errors ?? [])]);
  return [...statuses].sort();
}

const HEADER_WORDS = {
  'X-Process-Time': 'Seconds the Worker spent on the request',
  'X-Tokens-Remaining': 'The user’s spendable tokens after this request',
  'X-Tokens-Used-Today': 'Tokens the user spent today (UTC)',
  'X-Requests-Today': 'Requests the user made today (UTC)',
};
const ACCOUNT_HEADERS = ['X-Tokens-Remaining', 'X-Tokens-Used-Today', 'X-Requests-Today'] as const;
// Refusals by the user's account (rather than by the Worker before it) carry its numbers too.
const ACCOUNT_REFUSALS = new Set([402, 404, 409, 422, 429]);

function header(description: string, required: boolean, schema: JsonSchema = { type: 'string' }): JsonSchema {
  return { description, required, schema };
}

function headersOf(op: Operation, status: number, success: boolean): JsonSchema {
  const out: JsonSchema = { 'X-Process-Time': header(HEADER_WORDS['X-Process-Time'], true) };
  if (op.account && (success || ACCOUNT_REFUSALS.has(status))) {
    for (const name of ACCOUNT_HEADERS) {
      out[name] = header(HEADER_WORDS[name], success, { type: 'string', pattern: '^[0-9]+$' });
    }
  }
  if (success) for (const [name, words] of Object.entries(op.success.headers ?? {})) out[name] = header(words, false);
  if (status === 429) out['Retry-After'] = header('Seconds to wait before retrying', true, { type: 'string' });
  return out;
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
  const { status, replayStatus, description, schema } = op.success;
  const success = (at: number, words: string): JsonSchema => ({
    description: words,
    headers: headersOf(op, at, true),
    ...(schema ? { content: { 'application/json': { schema: responseSchemaOf(schema) } } } : {}),
  });
  const out: JsonSchema = { [status]: success(status, description) };
  if (replayStatus !== undefined) out[replayStatus] = success(replayStatus, `A retry’s answer: ${description}`);
  for (const at of errorStatusesOf(op)) {
    out[at] = {
      description: STATUS_WORDS[at] ?? 'Error',
      headers: headersOf(op, at, false),
      content: { 'application/json': { schema: responseSchemaOf(errorSchemaOf(op, at)) } },
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
        'routes validate with, and so are the bodies of the main routes’ answers and of every error; ' +
        'docs/api.md has examples of every response.',
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
        // The shape every error shares, with every code; each operation narrows `code` to its own.
        Error: responseSchemaOf(errorBodySchema.extend({ code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode]) })),
      },
    },
  };
}

let cached: JsonSchema | undefined;

/** The document, built once per isolate. */
export function openApiDocument(): JsonSchema {
  return (cached ??= buildDocument());
}
