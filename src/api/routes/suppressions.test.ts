import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Clock } from '../../core/index.js';
import type { BatonEvent } from '../../events/index.js';
import { openSqliteSuppressionStore, Suppressions } from '../../suppression/index.js';
import { ApiProblem } from '../problem.js';
import type { ApiRequest, ApiRoute } from '../route.js';
import { suppressionRoutes } from './suppressions.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-suppression-routes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T = Date.UTC(2026, 10, 30, 12);
const clock: Clock = { now: () => T };

function setUp() {
  const store = openSqliteSuppressionStore({ path: join(dir, `${Math.random().toString(36).slice(2)}.db`) });
  const events: BatonEvent[] = [];
  const suppressions = new Suppressions(store, { append: async (e) => void events.push(...e) }, clock);
  const routes = suppressionRoutes({ suppressions, clock });
  const route = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path) as ApiRoute;
  const call = async (method: string, path: string, query: unknown, body?: unknown) =>
    route(method, path).handler({ params: {}, query, body, headers: {}, caller: { keyId: 'k1', name: 'ops', scopes: ['admin'], domains: [] }, ip: '127.0.0.1', signal: new AbortController().signal } as ApiRequest);
  // Queries as the server hands them over: after zod (defaults filled in).
  const importCsv = (csv: string, q: Record<string, unknown> = {}) => call('POST', '/api/v1/suppressions/import', { reason: 'manual', lineOffset: 0, ...q }, Buffer.from(csv));
  return { store, events, call, importCsv };
}

test('import reads the CLI format: header or not, bad rows reported by file line (parts offset), sources from the file name', async () => {
  const { store, events, importCsv } = setUp();
  try {
    const r = await importCsv('address,domain,reason,expires\nann@x.test,,complaint,\nnot-an-address,,,\nbob@x.test,brand.test,,30d\ncid@x.test,,nonsense,\n', { file: 'list.csv', reason: 'hard-bounce' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      rows: 4,
      imported: 2,
      skipped: 2,
      problems: ['line 3: "not-an-address" is not an email address', 'line 5: reason "nonsense" is not one of hard-bounce, complaint, unsubscribe, manual'],
      hasHeader: true,
    });
    const all = await store.list({ limit: 10 });
    assert.deepEqual(
      all.map((e) => [e.address, e.domain ?? 'global', e.reason, e.source, e.expiresAt]),
      [
        ['ann@x.test', 'global', 'complaint', 'csv:list.csv', undefined],
        ['bob@x.test', 'brand.test', 'hard-bounce', 'csv:list.csv', T + 30 * 86_400_000],
      ],
    );
    assert.equal(events.filter((e) => e.type === 'suppression-added').length, 2, 'one event per row, as any other feed');

    // A later part: the header repeated, lines counted as in the whole file.
    const part = await importCsv('address,domain,reason,expires\nok@x.test,,,\nbroken,,,\n', { lineOffset: 4 });
    assert.deepEqual((part.body as { problems: string[] }).problems, ['line 7: "broken" is not an email address']);
    assert.equal((await store.list({ limit: 10, address: 'ok@x.test' }))[0]?.source, 'api:ops', 'without a file name: the caller');

    const bare = await importCsv('solo@x.test\r\nduo@x.test\r\n', { domain: 'Brand.test' });
    assert.deepEqual({ ...(bare.body as object), problems: undefined }, { rows: 2, imported: 2, skipped: 0, problems: undefined, hasHeader: false });
    assert.equal((await store.list({ limit: 10, address: 'duo@x.test' }))[0]?.domain, 'brand.test');
  } finally {
    await store.close();
  }
});

test('a file that is not CSV stops with a 422 that says how many rows before the fault were kept; an unknown column writes nothing', async () => {
  const { store, importCsv } = setUp();
  try {
    await assert.rejects(importCsv('address\na@x.test\n"b@x.test\n'), (e: unknown) => e instanceof ApiProblem && e.kind === 'validation' && /Quote Not Closed/.test(e.detail ?? '') && e.extensions.imported === 1);
    await assert.rejects(importCsv('email,list\nz@x.test,news\n'), (e: unknown) => e instanceof ApiProblem && /line 1: unknown column "list"/.test(e.detail ?? '') && e.extensions.imported === 0);
    assert.deepEqual((await store.list({ limit: 10 })).map((e) => e.address), ['a@x.test']);
  } finally {
    await store.close();
  }
});

test('export writes what the filters select in the format import reads: an export imported elsewhere gives the same list', async () => {
  const a = setUp();
  const b = setUp();
  try {
    await a.importCsv(
      'address,domain,reason,source,created,expires\n' +
        'ann@brand.test,,complaint,arf:mx.test,2026-01-02T03:04:05.000Z,\n' +
        'bob@brand.test,news.brand.test,unsubscribe,"csv:a,b.csv",2026-01-02T03:04:05.000Z,2027-01-01T00:00:00.000Z\n' +
        'cid@other.test,,manual,,,\n',
    );
    const all = await a.call('GET', '/api/v1/suppressions/export', {});
    assert.equal(all.status, 200);
    assert.equal(all.contentType, 'text/csv; charset=utf-8');
    assert.match(all.headers?.['content-disposition'] ?? '', /^attachment; filename="suppressions-20261130-120000\.csv"$/);
    const text = (all.body as Buffer).toString('utf8');
    assert.equal(text.split('\n')[0], 'address,domain,reason,source,created,expires');
    assert.match(text, /"csv:a,b\.csv"/, 'a comma in a cell is quoted (RFC 4180 §2)');

    const imported = await b.importCsv(text);
    assert.deepEqual((imported.body as { imported: number }).imported, 3);
    assert.deepEqual(await b.store.list({ limit: 10 }), await a.store.list({ limit: 10 }));

    const filtered = ((await a.call('GET', '/api/v1/suppressions/export', { contains: '@BRAND', reason: 'complaint' })).body as Buffer).toString('utf8');
    assert.deepEqual(filtered.trim().split('\n').slice(1).map((l) => l.split(',')[0]), ['ann@brand.test']);
  } finally {
    await a.store.close();
    await b.store.close();
  }
});

test('the list searches by address substring and source, and pages by cursor within the search', async () => {
  const { store, call, importCsv } = setUp();
  try {
    await importCsv(`address\n${Array.from({ length: 7 }, (_, i) => `user${i}@find.test`).join('\n')}\nother@else.test\n`, { file: 'seven.csv' });
    const list = (q: Record<string, unknown>) => call('GET', '/api/v1/suppressions', { limit: 100, ...q }) as Promise<{ body: { suppressions: { address: string; source: string }[]; nextCursor: string | null } }>;
    const first = await list({ contains: 'FIND.test', limit: 4 });
    assert.equal(first.body.suppressions.length, 4);
    const second = await list({ contains: 'find.test', limit: 4, cursor: first.body.nextCursor });
    assert.deepEqual([...first.body.suppressions, ...second.body.suppressions].map((s) => s.address), Array.from({ length: 7 }, (_, i) => `user${i}@find.test`));
    assert.equal(second.body.nextCursor, null);
    assert.equal((await list({ source: 'csv:seven' })).body.suppressions.length, 8);
    assert.equal((await list({ source: 'api:' })).body.suppressions.length, 0);
  } finally {
    await store.close();
  }
});
