import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsResult, RecordResolver } from '../../../dns/index.js';
import { silentLogger } from '../../../log/index.js';
import { StsPolicyCache } from './policy-cache.js';
import type { PolicyFetchResult } from './policy-fetcher.js';
import type { StoredStsPolicy, StsPolicyStore } from './store/index.js';

const T0 = 1_800_000_000_000;
const policyText = (mode: string, mx: string, maxAge = 86_400) => `version: STSv1\nmode: ${mode}\nmx: ${mx}\nmax_age: ${maxAge}\n`;

/** A unit-test world: a TXT answer to set, a policy server to script, a clock to move, a store in a Map. */
function world() {
  const w = {
    now: T0,
    txt: { ok: true, value: [['v=STSv1; id=one']] } as DnsResult<readonly (readonly string[])[]>,
    serve: { ok: true, text: policyText('enforce', 'mx.d.test') } as PolicyFetchResult,
    fetches: 0,
    gate: undefined as Promise<void> | undefined,
    rows: new Map<string, StoredStsPolicy>(),
  };
  const resolver = { resolveTxt: async () => w.txt } as unknown as RecordResolver;
  const store: StsPolicyStore = {
    get: async (d) => w.rows.get(d),
    put: async (r) => void w.rows.set(r.domain, r),
    prune: async () => 0,
    close: async () => {},
  };
  const fetch = async (): Promise<PolicyFetchResult> => {
    w.fetches++;
    if (w.gate) await w.gate;
    return w.serve;
  };
  const cache = () => new StsPolicyCache({ resolver, store, fetch, clock: { now: () => w.now }, logger: silentLogger(), retryAfterMs: 60_000 });
  return { w, cache };
}
const down: PolicyFetchResult = { ok: false, reason: 'connection refused', resultType: 'sts-policy-fetch-error' };

test('a domain without an _mta-sts record has no policy and nothing is fetched', async () => {
  const { w, cache } = world();
  w.txt = { ok: false, error: { kind: 'nodata', code: 'NODATA', message: '' } };
  assert.equal(await cache().current('d.test'), undefined);
  assert.equal(w.fetches, 0);
});

test('the policy is fetched once, stored with its TXT id and expiry, and then served from memory', async () => {
  const { w, cache } = world();
  const c = cache();
  const p = await c.current('d.test');
  assert.deepEqual(p, { domain: 'd.test', id: 'one', policy: { mode: 'enforce', mx: ['mx.d.test'], maxAge: 86_400 }, fetchedAt: T0, expiresAt: T0 + 86_400_000 });
  assert.deepEqual(w.rows.get('d.test'), p);
  w.rows.clear();
  w.now += 1000;
  assert.deepEqual(await c.current('d.test'), p, 'from memory: the store is not read again');
  assert.equal(w.fetches, 1);
});

test('a changed TXT id makes the policy be fetched again (RFC 8461 §3.1)', async () => {
  const { w, cache } = world();
  const c = cache();
  await c.current('d.test');
  w.txt = { ok: true, value: [['v=STSv1; id=two']] };
  w.serve = { ok: true, text: policyText('testing', 'mx2.d.test') };
  const p = await c.current('d.test');
  assert.equal(w.fetches, 2);
  assert.equal(p?.id, 'two');
  assert.equal(p?.policy.mode, 'testing');
});

test('enforce stays in force while DNS fails, the record vanishes or is broken, or the policy host is down (§5.1, §10.2)', async () => {
  const { w, cache } = world();
  const c = cache();
  await c.current('d.test');
  w.serve = down;
  for (const txt of [
    { ok: false, error: { kind: 'temporary', code: 'ETIMEOUT', message: '' } },
    { ok: false, error: { kind: 'nxdomain', code: 'NXDOMAIN', message: '' } },
    { ok: true, value: [['v=STSv1; id=x'], ['v=STSv1; id=y']] },
    { ok: true, value: [['v=STSv1; id=three']] },
  ] as DnsResult<readonly (readonly string[])[]>[]) {
    w.txt = txt;
    assert.equal((await c.current('d.test'))?.policy.mode, 'enforce', JSON.stringify(txt));
  }
  w.serve = { ok: true, text: 'version: STSv1\nmode: none-of-your-business\n' };
  w.txt = { ok: true, value: [['v=STSv1; id=four']] };
  assert.equal((await c.current('d.test'))?.policy.mode, 'enforce', 'an invalid policy replaces nothing');
});

test('after a restart the stored policy applies with the policy host down, and is not refetched while its id holds', async () => {
  const { w, cache } = world();
  await cache().current('d.test');
  w.serve = down;
  w.now += 3600_000;
  const again = await cache().current('d.test');
  assert.equal(again?.policy.mode, 'enforce');
  assert.equal(w.fetches, 1);
});

test('an expired policy whose refetch fails no longer applies', async () => {
  const { w, cache } = world();
  const c = cache();
  await c.current('d.test');
  w.serve = down;
  w.now += 86_400_000 + 1;
  assert.equal(await c.current('d.test'), undefined);
});

test('many attempts at once share one fetch, and a failed fetch is not repeated until retryAfter has passed', async () => {
  const { w, cache } = world();
  const c = cache();
  let open!: () => void;
  w.gate = new Promise((r) => (open = r));
  w.serve = down;
  const all = Promise.all(Array.from({ length: 20 }, () => c.current('d.test')));
  open();
  assert.deepEqual(await all, Array(20).fill(undefined));
  assert.equal(w.fetches, 1);
  w.gate = undefined;
  await c.current('d.test');
  assert.equal(w.fetches, 1, 'within retryAfter');
  w.now += 60_001;
  w.serve = { ok: true, text: policyText('enforce', 'mx.d.test') };
  assert.equal((await c.current('d.test'))?.policy.mode, 'enforce');
  assert.equal(w.fetches, 2);
});

test('half-way through max_age the policy is refreshed in the background while the cached one is used', async () => {
  const { w, cache } = world();
  const c = cache();
  await c.current('d.test');
  w.now += 43_200_000;
  w.serve = { ok: true, text: policyText('enforce', 'mx9.d.test') };
  assert.deepEqual((await c.current('d.test'))?.policy.mx, ['mx.d.test'], 'the cached policy, at once');
  await c.settle();
  assert.equal(w.fetches, 2);
  assert.equal(w.rows.get('d.test')?.fetchedAt, w.now);
  assert.deepEqual((await c.current('d.test'))?.policy.mx, ['mx9.d.test']);
});

test('a policy another node stored under the new id is used without fetching', async () => {
  const { w, cache } = world();
  const c = cache();
  await c.current('d.test');
  w.rows.set('d.test', { domain: 'd.test', id: 'two', policy: { mode: 'testing', mx: ['m.d.test'], maxAge: 60 }, fetchedAt: T0, expiresAt: T0 + 60_000 });
  w.txt = { ok: true, value: [['v=STSv1; id=two']] };
  assert.equal((await c.current('d.test'))?.policy.mode, 'testing');
  assert.equal(w.fetches, 1);
});
