// GET /openapi.json: the document of the routes handed in (every route the Worker serves, this one
// included), built from their declarations.
import { openApiDocument } from '../openapi/document';
import { openApiDocumentSchema } from '../openapi/adminResponses';
import { defineRoute, type RouteDeclaration } from '../openapi/route';

export function openApiDocumentRoute(routes: () => readonly RouteDeclaration[]): RouteDeclaration {
  return defineRoute({
    method: 'get',
    path: '/openapi.json',
    tag: 'Service',
    caller: 'public',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1', schema: openApiDocumentSchema } },
    handler: () => openApiDocument(routes()),
  });
}
