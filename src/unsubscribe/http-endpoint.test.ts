import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../log/index.js';
import type { NewSuppression } from '../suppression/index.js';
import { UnsubscribeEndpoint } from './http-endpoint.js';
import { UnsubscribeTokens } from './tokens.js';

const tokens = new UnsubscribeTokens({ keys: [{ id: 'k1', secret: 'endpoint-test-secret-0123' }], clock: { now: () => Date.UTC(2026, 10, 30) } });
const suppressed: Omit<NewSuppression, 'createdAt'>[] = [];
const endpoint = new UnsubscribeEndpoint({ tokens, scope: 'domain', suppress: async (e) => void suppressed.push(...e), logger: silentLogger() });
let base = '';

before(async () => {
  base = `http://127.0.0.1:${await endpoint.listen('127.0.0.1', 0)}/u/`;
});
after(() => endpoint.close());

const form = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

test('a one-click POST (urlencoded) suppresses the token\'s recipient for its sending domain and answers 200 with no page', async () => {
  suppressed.length = 0;
  const res = await fetch(base + tokens.issue('bob@example.org', 'news.example.com'), form('List-Unsubscribe=One-Click'));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
  assert.deepEqual(suppressed, [{ address: 'bob@example.org', domain: 'news.example.com', reason: 'unsubscribe', source: 'one-click' }]);
});

test('a one-click POST as multipart/form-data works too (RFC 8058 §3.2)', async () => {
  suppressed.length = 0;
  const body = new FormData();
  body.append('List-Unsubscribe', 'One-Click');
  const res = await fetch(base + tokens.issue('carol@example.org', 'news.example.com'), { method: 'POST', body });
  assert.equal(res.status, 200);
  assert.equal(suppressed[0]?.address, 'carol@example.org');
});

test('GET shows a confirmation form and suppresses nothing', async () => {
  suppressed.length = 0;
  const token = tokens.issue('bob@example.org', 'news.example.com');
  const res = await fetch(base + token);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<form method="post" action="[A-Za-z0-9_-]+">/);
  assert.match(html, /name="List-Unsubscribe" value="One-Click"/);
  assert.match(html, /bob@example\.org/);
  assert.deepEqual(suppressed, []);
});

test('a forged or malformed token gets 400 and suppresses nothing', async () => {
  suppressed.length = 0;
  const token = tokens.issue('bob@example.org', 'news.example.com');
  const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
  for (const bad of [flipped, 'garbage', 'x'.repeat(400)]) {
    const post = await fetch(base + bad, form('List-Unsubscribe=One-Click'));
    assert.equal(post.status, 400, bad);
    assert.match(await post.text(), /not valid/);
    assert.equal((await fetch(base + bad)).status, 400);
  }
  assert.deepEqual(suppressed, []);
});

test('hostile input: a wrong body is 400, a huge body 413, another content type 415, nothing suppressed', async () => {
  suppressed.length = 0;
  const url = base + tokens.issue('bob@example.org', 'news.example.com');
  assert.equal((await fetch(url, form('List-Unsubscribe=Yes'))).status, 400);
  assert.equal((await fetch(url, form(''))).status, 400);
  assert.equal((await fetch(url, form(`List-Unsubscribe=One-Click&x=${'a'.repeat(10_000)}`))).status, 413);
  assert.equal((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"List-Unsubscribe":"One-Click"}' })).status, 415);
  assert.equal((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'List-Unsubscribe=One-Click' })).status, 415);
  assert.deepEqual(suppressed, []);
});

test('a suppression store failure is a 500 the provider retries, not a 200', async () => {
  const failing = new UnsubscribeEndpoint({ tokens, scope: 'global', suppress: async () => Promise.reject(new Error('disk full')), logger: silentLogger() });
  const port = await failing.listen('127.0.0.1', 0);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/u/${tokens.issue('bob@example.org', 'news.example.com')}`, form('List-Unsubscribe=One-Click'));
    assert.equal(res.status, 500);
  } finally {
    await failing.close();
  }
});
