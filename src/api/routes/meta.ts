import { buildOpenApi } from '../openapi.js';
import { defineRoute, type ApiRoute } from '../route.js';

export interface MetaRouteDeps {
  /** Every route of the API (read when the document is asked for, so it includes this group). */
  readonly allRoutes: () => readonly ApiRoute[];
}

/** The API describing itself: the OpenAPI 3.1 document, public (no key needed to discover the API). */
export function metaRoutes(deps: MetaRouteDeps): ApiRoute[] {
  let document: Record<string, unknown> | undefined;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/openapi.json',
      operationId: 'getOpenApi',
      summary: 'The OpenAPI 3.1 document of this API',
      tags: ['Meta'],
      scope: 'public',
      responses: { 200: { description: 'The OpenAPI document', contentType: 'application/json' } },
      handler: () => {
        // Built once: the routes do not change while the server runs.
        document ??= buildOpenApi(deps.allRoutes());
        return { status: 200, body: document };
      },
    }),
  ];
}
