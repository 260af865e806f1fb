// Conformance to the served OpenAPI document: every answer the route tests receive through the shared
// helpers (helpers.ts `call` and those built on it) is checked against /openapi.json with Ajv
// (JSON Schema 2020-12, the dialect of OpenAPI 3.1): the status must be one the operation documents,
// the body must validate against that status's schema (closed objects: an undocumented field fails),
// the media type must be documented, and every header the document marks required must be there and
// match its pattern. A request to a path or method the document does not describe (the 404 and 405
// tests) is not an operation, and is not checked.
import { SELF } from 'cloudflare:test';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

const BASE = 'https://tokens.test';
const DOCUMENT_ID = 'https://tokens.test/openapi.json';

interface Conformance {
  doc: any;
  ajv: Ajv2020;
  templates: { template: string; pattern: RegExp; params: number }[];
  validators: Map<string, ValidateFunction>;
}

let loaded: Promise<Conformance> | undefined;

async function load(): Promise<Conformance> {
  const doc = await (await SELF.fetch(`${BASE}/openapi.json`)).json<any>();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ components: doc.components }, DOCUMENT_ID);
  const templates = Object.keys(doc.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}/?$`),
    params: (template.match(/\{/g) ?? []).length,
  }));
  return { doc, ajv, templates, validators: new Map() };
}

/** The document as GET /openapi.json serves it, fetched once per test file. */
export async function servedDocument(): Promise<any> {
  return (await (loaded ??= load())).doc;
}

/** `/users/:userId/usage` → `/users/{userId}/usage`. */
function openApiPath(routerPath: string): string {
  return routerPath.replace(/:(\w+)/g, '{$1}');
}

/**
 * What the document says of `method path` at `status`, its headers' references resolved; `path` as
 * registered (`:name`) or as documented.
 */
export async function documentedResponse(method: HttpMethod, path: string, status: number): Promise<any> {
  const doc = await servedDocument();
  const described = doc.paths[openApiPath(path)]?.[method]?.responses?.[status];
  if (!described) throw new Error(`the document has no ${status} for ${method.toUpperCase()} ${path}`);
  const headers = Object.entries(described.headers ?? {}).map(([name, declared]) => [name, headerOf(doc, declared)]);
  return { ...described, headers: Object.fromEntries(headers) };
}

function headerOf(doc: any, declared: any): any {
  return declared.$ref ? doc.components.headers[declared.$ref.split('/').pop()] : declared;
}

function validatorOf(c: Conformance, key: string, schema: unknown): ValidateFunction {
  let validate = c.validators.get(key);
  if (!validate) {
    // References point into the document's components, added to Ajv under the document's id.
    const rooted = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`));
    c.validators.set(key, (validate = c.ajv.compile(rooted)));
  }
  return validate;
}

/**
 * Throws unless `response` is an answer the document describes for `method template`; returns the
 * parsed JSON body (undefined for an event stream). Reads a clone, so the caller can still read it.
 */
async function check(c: Conformance, method: HttpMethod, template: string, response: Response): Promise<unknown> {
  const where = `${method.toUpperCase()} ${template} answered ${response.status}`;
  const described = c.doc.paths[template]?.[method]?.responses?.[response.status];
  const text = await response.clone().text();
  if (!described) throw new Error(`${where}, a status the document does not list for it:\n${text}`);
  for (const [name, declared] of Object.entries(described.headers ?? {}) as [string, any][]) {
    const header = headerOf(c.doc, declared);
    const value = response.headers.get(name);
    if (value === null) {
      if (header.required) throw new Error(`${where} without the header ${name} the document requires`);
      continue;
    }
    if (header.schema?.pattern && !new RegExp(header.schema.pattern).test(value))
      throw new Error(`${where} with ${name}: ${value}, not matching ${header.schema.pattern}`);
  }
  const mediaType = (response.headers.get('Content-Type') ?? '').split(';')[0]!.trim();
  if (!described.content?.[mediaType]) throw new Error(`${where} with a ${mediaType} body the document does not list`);
  if (mediaType !== 'application/json') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${where} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  const validate = validatorOf(c, `${method} ${template} ${response.status}`, described.content[mediaType].schema);
  if (!validate(body)) {
    throw new Error(
      `${where} with a body the document does not describe:\n${JSON.stringify(validate.errors, null, 2)}\n` +
        `body: ${text.slice(0, 2000)}`,
    );
  }
  return body;
}

/**
 * The conformance check every shared helper runs on the answer it got: a no-op for a request the
 * document has no operation for.
 */
export async function expectConforms(method: string, path: string, response: Response): Promise<void> {
  const c = await (loaded ??= load());
  const m = method.toLowerCase() as HttpMethod;
  const pathname = new URL(path, BASE).pathname;
  const matches = c.templates.filter((t) => t.pattern.test(pathname) && c.doc.paths[t.template][m]);
  if (!matches.length) return;
  const best = matches.reduce((a, b) => (b.params < a.params ? b : a));
  await check(c, m, best.template, response);
}

/**
 * Asserts `response` is what the document says `method path` answers with its status, and returns
 * the parsed body. `path` is the route as registered (`:name` parameters).
 */
export async function expectDocumented(response: Response, method: HttpMethod, path: string): Promise<any> {
  const c = await (loaded ??= load());
  const template = openApiPath(path);
  if (!c.doc.paths[template]?.[method]) throw new Error(`no operation ${method.toUpperCase()} ${path}`);
  const body = await check(c, method, template, response);
  // The caller's response is left unread; the body it gets is the one just checked.
  return body;
}
