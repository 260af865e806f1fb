// One declaration per route: what the router serves and what /openapi.json says about it come from
// the same object, so the two cannot drift. A handler keeps the shape itty-router gives it
// (authenticate, validate with the declared schemas, call the object, present); the declaration
// adds who may call it, its schemas and every answer it can give.
import type { z } from 'zod';
import type { Env } from '../../env';
import type { ApiRequest } from '../http/context';

/** Who may call a route: the security scheme it needs (none for public and development routes). */
export type Caller = 'public' | 'user' | 'service' | 'admin' | 'stripe' | 'development';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type RouteHandler = (request: ApiRequest, env: Env, ctx: ExecutionContext) => unknown;

/** A header of an answer: what it says, and whether every answer of that status carries it. */
export interface HeaderDoc {
  description: string;
  required?: boolean;
  /** A regular expression its value always matches. */
  pattern?: string;
}

/** One success answer of a route. */
interface SuccessDoc {
  description: string;
  /** The JSON body; a named schema (components.ts) becomes a `$ref`. */
  schema: z.ZodType;
  /** Headers beyond those every answer carries (X-Process-Time, and the X-Tokens-* of account routes). */
  headers?: Record<string, HeaderDoc>;
  /** Another body this status may carry instead of JSON, by media type (a server-sent event stream). */
  alternatives?: Record<string, string>;
}

export interface RouteDeclaration {
  method: HttpMethod;
  /** The path as the router matches it (`:name` parameters). */
  path: string;
  tag: string;
  summary: string;
  caller: Caller;
  request?: {
    /** Schemas of the `:name` path parameters, by name. */
    params?: Record<string, z.ZodType>;
    query?: z.ZodType;
    /** The Idempotency-Key header: required, optional, or not read (absent). */
    idempotencyKey?: 'required' | 'optional';
    /** The JSON body the handler validates with this schema; `optional` when an empty body is accepted. */
    body?: z.ZodType;
    bodyOptional?: true;
    /** The raw body is read as it is (a signed webhook): no JSON schema, but the size limit applies. */
    rawBody?: true;
  };
  /** The success answers by status (a replayed create answers 200 where the first answered 201). */
  responses: Record<number, SuccessDoc>;
  /**
   * Error statuses beyond those every route of its kind can answer: 400 (invalid input) and 500
   * always, 401 unless public, 413 when it reads a body. The codes of each status are derived from
   * the route's kind (errors.ts).
   */
  errors?: number[];
  /** The route reaches one user's account: its answers carry the X-Tokens-* headers. */
  account?: true;
  handler: RouteHandler;
}

/** A route declaration, checked by the compiler; the router and the document both read it. */
export function defineRoute(route: RouteDeclaration): RouteDeclaration {
  return route;
}
