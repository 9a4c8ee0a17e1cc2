import { Validator } from '@seriousme/openapi-schema-validator';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { buildOpenApi } from './openapi.js';
import { defineRoute, type ApiRoute } from './route.js';
import { apiRoutes, type ApiDeps } from './routes/index.js';

/**
 * The document generated from every route the API serves (all groups listed
 * in routes/index.ts, whoever added them): valid OpenAPI 3.1 by a maintained
 * validator, and matching the routes both ways.
 */

// Route factories only use deps in handlers (routes/index.ts), so none are needed to list them.
const routes = apiRoutes({} as ApiDeps);
const doc = buildOpenApi(routes) as { paths: Record<string, Record<string, Record<string, any>>> };

test('the document is valid OpenAPI 3.1', async () => {
  const result = await new Validator().validate(structuredClone(doc));
  assert.deepEqual(result.errors, undefined, JSON.stringify(result.errors, null, 2));
  assert.equal(result.valid, true);
});

test('every route is in the document, and every operation in it is a route', () => {
  const fromRoutes = routes.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort();
  const fromDoc = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `${method.toUpperCase()} ${path} ${String(op.operationId)}`))
    .sort();
  assert.deepEqual(fromDoc, fromRoutes);
});

test('operationIds are unique and no two routes share a method and path', () => {
  const ids = routes.map((r) => r.operationId);
  assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
  const keys = routes.map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
});

test('each {param} of a path is declared by the route\'s params schema, and routes with a key document 401/403/429', () => {
  for (const route of routes) {
    const op = doc.paths[route.path]?.[route.method.toLowerCase()];
    assert.ok(op);
    const declared = ((op.parameters ?? []) as { name: string; in: string }[]).filter((p) => p.in === 'path').map((p) => p.name).sort();
    const inPath = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(declared, inPath, `${route.operationId}: path parameters`);
    if (route.scope !== 'public') for (const s of ['401', '403', '429']) assert.ok(op.responses[s], `${route.operationId} documents ${s}`);
    if (route.body === 'raw') assert.ok((route.rawTypes ?? []).length > 0, `${route.operationId}: a raw route names its content types`);
  }
});

test('schemas carry through: parameters, a JSON body, raw types, responses and the problem responses', async () => {
  const sample: ApiRoute[] = [
    defineRoute({
      method: 'POST', path: '/x/{id}', operationId: 'x', summary: 'x', tags: ['X'], scope: 'send',
      params: z.object({ id: z.string().describe('The id') }),
      query: z.object({ dry: z.enum(['yes', 'no']).optional() }),
      body: z.object({ to: z.array(z.email()).min(1) }),
      responses: { 202: { description: 'queued', schema: z.object({ id: z.string() }) } },
      handler: () => ({ status: 202 }),
    }),
    defineRoute({ method: 'PUT', path: '/raw', operationId: 'raw', summary: 'r', tags: ['X'], scope: 'admin', body: 'raw', rawTypes: ['text/csv'], responses: { 204: { description: 'done' } }, handler: () => ({ status: 204 }) }),
  ];
  const d = buildOpenApi(sample) as any;
  assert.equal((await new Validator().validate(structuredClone(d))).valid, true);
  const x = d.paths['/x/{id}'].post;
  assert.deepEqual(x.parameters, [
    { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The id' },
    { name: 'dry', in: 'query', required: false, schema: { type: 'string', enum: ['yes', 'no'] } },
  ]);
  assert.equal(x.requestBody.required, true);
  assert.equal(x.requestBody.content['application/json'].schema.properties.to.minItems, 1);
  assert.deepEqual(x.responses['202'].content['application/json'].schema.required, ['id']);
  assert.deepEqual(Object.keys(x.responses).sort(), ['202', '400', '401', '403', '413', '415', '422', '429']);
  assert.deepEqual(Object.keys(d.paths['/raw'].put.requestBody.content), ['text/csv']);
  assert.deepEqual(d.paths['/raw'].put.security, [{ bearer: [] }]);
});
