// Checks a real answer against the OpenAPI document: the document holds, for that operation and
// status, the JSON Schema generated from a zod schema, and the body parses with that zod schema
// (strict objects, so an undocumented or renamed field fails). Headers the document marks required
// must be there.
import { expect } from 'vitest';
import { errorSchemaOf, openApiPath, responseSchemaOf } from '../../src/worker/openapi/document';
import { OPERATIONS, type HttpMethod } from '../../src/worker/openapi/operations';
import { call } from './helpers';

let served: Promise<any> | undefined;

/** The document as GET /openapi.json serves it, fetched once per test file. */
export function servedDocument(): Promise<any> {
  return (served ??= call('/openapi.json').then((r) => r.json<any>()));
}

/** What the document says of `method path` at `status`. */
export async function documentedResponse(method: HttpMethod, path: string, status: number): Promise<any> {
  const doc = await servedDocument();
  const described = doc.paths[openApiPath(path)]?.[method]?.responses?.[status];
  if (!described) throw new Error(`the document has no ${status} for ${method.toUpperCase()} ${path}`);
  return described;
}

/**
 * Asserts `response` is what the document says `method path` answers with its status, and returns
 * the parsed body. `path` is the route as registered (`:name` parameters).
 */
export async function expectDocumented(response: Response, method: HttpMethod, path: string): Promise<any> {
  const op = OPERATIONS.find((o) => o.method === method && o.path === path);
  if (!op) throw new Error(`no operation ${method.toUpperCase()} ${path}`);
  const status = response.status;
  const described = await documentedResponse(method, path, status);
  const isSuccess = status === op.success.status || status === op.success.replayStatus;
  const schema = isSuccess ? op.success.schema : errorSchemaOf(op, status);
  if (!schema) throw new Error(`${method.toUpperCase()} ${path} has no response schema`);

  expect(described.content['application/json'].schema).toEqual(responseSchemaOf(schema));
  const body = await response.json<unknown>();
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new Error(
      `${method.toUpperCase()} ${path} ${status}: the body is not what the document says:\n` +
        `${JSON.stringify(parsed.error.issues, null, 2)}\nbody: ${JSON.stringify(body)}`,
    );
  }
  for (const [name, header] of Object.entries(described.headers ?? {}) as [string, any][]) {
    const value = response.headers.get(name);
    if (header.required) expect(value, `header ${name}`).not.toBeNull();
    if (value !== null && header.schema.pattern)
      expect(value, `header ${name}`).toMatch(new RegExp(header.schema.pattern));
  }
  return body;
}
