import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { seedSqliteContacts } from '../../src/campaigns/segments/contact-seed.js';
import { EXPECTED, FIXTURE } from '../../src/campaigns/segments/segment-store.contract.js';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';

/**
 * Segments and templates over the real API of a real Baton (docs/campaigns.md):
 * the routes, their validation (422 with the JSON path or the template part
 * and line), previews over contacts in the node's own database, and a
 * template preview that escapes an attribute's markup.
 */
let api: ApiBaton;
before(async () => {
  api = await startApiBaton({ config: { unsubscribe: { baseUrl: 'https://u.example.com', secrets: [{ id: 'k1', secret: 'a secret of enough length' }] } } });
  // Part A's tables, written directly: segments only read them.
  seedSqliteContacts(join(api.baton.dir, 'queue.db'), { ...FIXTURE, activity: [] });
});
after(async () => {
  await api?.stop();
});

test('segments: create, read, list, update, preview (saved and unsaved), delete', async () => {
  const created = await api.apiFetch('/api/v1/segments', { json: { name: 'pros', filter: { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] } } });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id as number;
  assert.deepEqual(Object.keys(created.body).sort(), ['createdAt', 'filter', 'id', 'name', 'updatedAt']);
  assert.deepEqual((await api.apiFetch(`/api/v1/segments/${id}`)).body.filter, { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] });

  const preview = await api.apiFetch(`/api/v1/segments/${id}/preview?sample=1`);
  assert.equal(preview.status, 200, preview.text);
  assert.equal(preview.body.count, 2);
  assert.deepEqual(preview.body.sample, [{ id: 1, address: 'ann@x.test', attributes: FIXTURE.contacts?.[0]?.attributes }]);
  assert.equal(typeof preview.body.tookMs, 'number');

  for (const [filter, ids] of EXPECTED.filter(([f]) => !JSON.stringify(f).includes('event'))) {
    const r = await api.apiFetch('/api/v1/segments/preview', { json: { filter, sample: 10 } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.sample.map((c: { id: number }) => c.id), ids, JSON.stringify(filter));
  }

  const put = await api.apiFetch(`/api/v1/segments/${id}`, { method: 'PUT', json: { name: 'news', filter: { any: [{ list: 1 }] } } });
  assert.equal(put.status, 200, put.text);
  assert.equal((await api.apiFetch(`/api/v1/segments/${id}/preview`)).body.count, 1);
  await api.apiFetch('/api/v1/segments', { json: { name: 'second', filter: { all: [] } } });
  const page = await api.apiFetch('/api/v1/segments?limit=1');
  assert.equal(page.body.items.length, 1);
  assert.equal(typeof page.body.next, 'string');
  const rest = await api.apiFetch(`/api/v1/segments?limit=1&cursor=${encodeURIComponent(page.body.next)}`);
  assert.deepEqual(rest.body.items.map((s: { name: string }) => s.name), ['second']);
  assert.equal((await api.apiFetch(`/api/v1/segments/${id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await api.apiFetch(`/api/v1/segments/${id}`)).status, 404);
});

test('a bad filter is a 422 naming the JSON path of the fault; a read-only key may preview but not save', async () => {
  const r = await api.apiFetch('/api/v1/segments', { json: { name: 'x', filter: { all: [{ list: 1 }, { any: [{ attr: 'plan', op: 'lt', value: true }] }] } } });
  assert.equal(r.status, 422, r.text);
  assert.ok(r.body.errors.some((e: { path: string }) => e.path === 'body.filter.all[1].any[0].value'), JSON.stringify(r.body.errors));
  let deep: unknown = { list: 1 };
  for (let i = 0; i < 9; i++) deep = { all: [deep] };
  const d = await api.apiFetch('/api/v1/segments/preview', { json: { filter: deep } });
  assert.equal(d.status, 422);
  assert.match(d.body.detail, /nested deeper than 8 levels/);

  const reader = await api.createKey('reader', { scopes: ['read'] });
  assert.equal((await api.apiFetch('/api/v1/segments/preview', { key: reader, json: { filter: { all: [] } } })).status, 200);
  assert.equal((await api.apiFetch('/api/v1/segments', { key: reader, json: { name: 'n', filter: { all: [] } } })).status, 403);
});

test('templates: a Liquid error is a 422 with the part and line; preview escapes an attribute\'s markup in HTML, for a contact or inline', async () => {
  const bad = await api.apiFetch('/api/v1/templates', { json: { name: 'bad', subject: 'ok', html: '<p>\n{% if x %}never closed' } });
  assert.equal(bad.status, 422, bad.text);
  assert.equal(bad.body.part, 'html');
  assert.equal(bad.body.line, 2);
  const inc = await api.apiFetch('/api/v1/templates', { json: { name: 'inc', subject: 'ok', text: "{% include '/etc/passwd' %}" } });
  assert.equal(inc.status, 422);
  assert.match(inc.body.detail, /cannot read files/);

  const created = await api.apiFetch('/api/v1/templates', {
    json: { name: 'welcome', subject: 'Welcome {{ first_name }} ({{ plan }})', html: '<p>Hello {{ first_name }}, <a href="{{ unsubscribe_url }}">unsubscribe</a></p>', defaults: { first_name: 'friend' } },
  });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id as number;
  assert.deepEqual(created.body.defaults, { first_name: 'friend' });

  const forContact = await api.apiFetch(`/api/v1/templates/${id}/preview`, { json: { contact: 1 } });
  assert.equal(forContact.status, 200, forContact.text);
  assert.equal(forContact.body.subject, 'Welcome friend (pro)');
  assert.match(forContact.body.text, /Hello friend, unsubscribe \[https:\/\/u\.example\.com\/u\/preview\]/);

  const inline = await api.apiFetch(`/api/v1/templates/${id}/preview`, { json: { address: 'x@y.test', attributes: { first_name: '<script>alert(1)</script>', plan: '"><img onerror=x>' } } });
  assert.equal(inline.status, 200, inline.text);
  assert.equal(inline.body.html, '<p>Hello &lt;script&gt;alert(1)&lt;/script&gt;, <a href="https://u.example.com/u/preview">unsubscribe</a></p>');
  assert.equal(inline.body.subject, 'Welcome <script>alert(1)</script> ("><img onerror=x>)');
  assert.equal((await api.apiFetch(`/api/v1/templates/${id}/preview`, { json: { contact: 999 } })).status, 404);

  const put = await api.apiFetch(`/api/v1/templates/${id}`, { method: 'PUT', json: { name: 'welcome', subject: 'Loop', text: '{% for i in (1..100000000) %}x{% endfor %}' } });
  assert.equal(put.status, 200, put.text);
  const loop = await api.apiFetch(`/api/v1/templates/${id}/preview`, { json: {} });
  assert.equal(loop.status, 422, loop.text);
  assert.equal(loop.body.part, 'text');
  assert.match(loop.body.reason, /limit exceeded/);

  assert.equal((await api.apiFetch('/api/v1/templates')).body.items.length, 1);
  assert.equal((await api.apiFetch(`/api/v1/templates/${id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await api.apiFetch(`/api/v1/templates/${id}`)).status, 404);
});
