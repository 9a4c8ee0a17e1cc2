import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { BatonEvent } from '../../events/index.js';
import { dkimStatus, openSqliteDkimKeyStore, type DkimKeyStore, type TxtLookup } from '../../mailauth/index.js';
import { ApiProblem } from '../problem.js';
import type { ApiRequest, ApiRoute } from '../route.js';
import { dkimKeyRoutes } from './dkim-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-dkim-routes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T = Date.UTC(2026, 10, 30, 12);
const clock: Clock = { now: () => T };

/** A zone the test edits: name → TXT records (each one string). */
function zone(): TxtLookup & { records: Map<string, string[]>; cleared: number } {
  const records = new Map<string, string[]>();
  const z = {
    records,
    cleared: 0,
    clear: () => void z.cleared++,
    resolveTxt: async (name: string) => {
      const found = records.get(name.toLowerCase());
      return found ? { ok: true as const, value: found.map((t) => [t]) } : { ok: false as const, error: { kind: 'nxdomain' as const, message: `${name}: NXDOMAIN` } };
    },
  };
  return z as never;
}

function setUp(secret: string | undefined) {
  const store: DkimKeyStore = openSqliteDkimKeyStore({ path: join(dir, `${Math.random().toString(36).slice(2)}.db`) });
  const events: BatonEvent[] = [];
  const dns = zone();
  const config = parseConfig({ dkim: secret === undefined ? {} : { secret }, dns: { servers: ['127.0.0.1:9'] } });
  const routes = dkimKeyRoutes({ config, dkimKeys: store, events: { append: async (e) => void events.push(...e) }, clock, dns });
  const route = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path) as ApiRoute;
  const call = async (method: string, path: string, params: unknown, body?: unknown) =>
    route(method, path).handler({ params, body, query: {}, headers: {}, caller: { keyId: 'k1', name: 'ops', scopes: ['admin'], domains: [] }, ip: '127.0.0.1', signal: new AbortController().signal } as ApiRequest);
  return { store, events, dns, config, call };
}

const KEYS = '/api/v1/domains/{domain}/dkim-keys';
const ROTATE = '/api/v1/domains/{domain}/dkim-keys/rotate';
const problem = (kind: string, detail: RegExp) => (e: unknown) => e instanceof ApiProblem && e.kind === kind && detail.test(e.detail ?? '');

test('a key made through the API waits for DNS, is listed as the CLI lists it, and shows published once DNS serves its record', async () => {
  const { store, events, dns, config, call } = setUp('dkim-routes-secret-0123456789');
  try {
    const made = await call('POST', KEYS, { domain: 'Brand.TEST' }, { selector: 's1', algorithm: 'ed25519' });
    assert.equal(made.status, 201);
    const key = made.body as { domain: string; name: string; value: string; strings: string[]; state: string };
    assert.equal(key.domain, 'brand.test');
    assert.equal(key.name, 's1._domainkey.brand.test');
    assert.match(key.value, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(key.strings, [key.value], 'an Ed25519 record fits one string');
    assert.equal(key.state, 'pending-dns');
    assert.deepEqual(
      events.map((e) => e.type === 'dkim-key' && [e.domain, e.selector, e.state, e.reason]),
      [['brand.test', 's1', 'pending-dns', 'keygen by api:ops']],
    );

    const listed = async () => (await call('GET', KEYS, { domain: 'brand.test' })).body as { signing: string[]; keys: { selector: string; state: string; dns: { status: string }; record: { value: string } }[] };
    const before = await listed();
    assert.deepEqual(before.keys.map((k) => [k.selector, k.state, k.dns.status]), [['s1', 'pending-dns', 'missing']]);
    assert.equal(before.keys[0]?.record.value, key.value);
    assert.deepEqual(before.signing, []);
    assert.ok(dns.cleared > 0, 'the cache is cleared per request: a record published a minute ago shows');
    // The same rows `baton dkim status --json` prints: one function serves both.
    assert.deepEqual(before.keys, [...((await dkimStatus(await store.list('brand.test'), dns, config.dkim))[0]?.keys ?? [])]);

    dns.records.set('s1._domainkey.brand.test', [key.value]);
    assert.equal((await listed()).keys[0]?.dns.status, 'published');
    assert.deepEqual((await call('GET', KEYS, { domain: 'other.test' })).body, { domain: 'other.test', signing: [], keys: [] });
  } finally {
    await store.close();
  }
});

test('a taken selector is a 409, a bad domain or selector a 422, and without dkim.secret nothing is stored and the 409 says what to set', async () => {
  const a = setUp('dkim-routes-secret-0123456789');
  try {
    await a.call('POST', KEYS, { domain: 'brand.test' }, { selector: 's1' });
    await assert.rejects(a.call('POST', KEYS, { domain: 'brand.test' }, { selector: 's1' }), problem('conflict', /s1/));
    await assert.rejects(a.call('POST', KEYS, { domain: 'not a domain' }, {}), problem('validation', /not a domain name/));
    await assert.rejects(a.call('POST', KEYS, { domain: 'brand.test' }, { selector: 'bad_selector!' }), problem('validation', /not a selector/));
    assert.equal((await a.store.list('brand.test')).length, 1);
  } finally {
    await a.store.close();
  }
  const b = setUp(undefined);
  try {
    await assert.rejects(b.call('POST', KEYS, { domain: 'brand.test' }, undefined), problem('conflict', /dkim\.secret or dkim\.secretFile/));
    assert.deepEqual(await b.store.list(), []);
    assert.deepEqual(b.events, []);
  } finally {
    await b.store.close();
  }
});

test('rotate needs an active key, makes one new key per signing algorithm, and refuses a second rotation while the first waits for DNS', async () => {
  const { store, events, call } = setUp('dkim-routes-secret-0123456789');
  try {
    await call('POST', KEYS, { domain: 'brand.test' }, { selector: 'old' });
    await assert.rejects(call('POST', ROTATE, { domain: 'brand.test' }, undefined), problem('validation', /no active key to rotate/));
    await store.activate('brand.test', 'old', T);
    const rotated = await call('POST', ROTATE, { domain: 'brand.test' }, {});
    assert.equal(rotated.status, 201);
    const keys = (rotated.body as { keys: { selector: string; algorithm: string; state: string }[] }).keys;
    assert.equal(keys.length, 1);
    assert.equal(keys[0]?.algorithm, 'rsa-2048');
    assert.notEqual(keys[0]?.selector, 'old');
    const last = events.at(-1);
    assert.equal(last?.type === 'dkim-key' ? last.reason : undefined, 'rotate by api:ops');
    await assert.rejects(call('POST', ROTATE, { domain: 'brand.test' }, {}), problem('conflict', /under way/));
    assert.deepEqual((await store.list('brand.test')).map((k) => k.state), ['active', 'pending-dns']);
  } finally {
    await store.close();
  }
});
