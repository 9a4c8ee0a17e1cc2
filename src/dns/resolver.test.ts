import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CachingResolver, mapDnsError, MX_CACHE_MS, type DnsBackend } from './resolver.js';

const err = (code: string): Error => Object.assign(new Error(`query failed ${code}`), { code });

function countingBackend(answers: { mx?: () => { exchange: string; priority: number }[]; a?: () => { address: string; ttl: number }[]; aaaa?: () => { address: string; ttl: number }[] }) {
  const calls = { mx: 0, a: 0, aaaa: 0 };
  const backend: DnsBackend = {
    resolveMx: async () => (calls.mx++, (answers.mx ?? (() => { throw err('ENODATA'); }))()),
    resolve4: async () => (calls.a++, (answers.a ?? (() => { throw err('ENODATA'); }))()),
    resolve6: async () => (calls.aaaa++, (answers.aaaa ?? (() => { throw err('ENODATA'); }))()),
  };
  return { backend, calls };
}

test('c-ares error codes map to nxdomain, nodata or temporary', () => {
  assert.equal(mapDnsError(err('ENOTFOUND')).kind, 'nxdomain');
  assert.equal(mapDnsError(err('ENODATA')).kind, 'nodata');
  for (const c of ['ESERVFAIL', 'ETIMEOUT', 'ECONNREFUSED', 'EREFUSED', 'EWHATEVER']) assert.equal(mapDnsError(err(c)).kind, 'temporary', c);
  assert.equal(mapDnsError('not an error').kind, 'temporary');
});

test('A/AAAA answers are cached for their TTL and asked again after it', async () => {
  let now = 1_000_000;
  const { backend, calls } = countingBackend({ a: () => [{ address: '192.0.2.1', ttl: 30 }], aaaa: () => [{ address: '2001:db8::1', ttl: 60 }] });
  const r = new CachingResolver({ timeout: 1000, clock: { now: () => now }, backend });
  const first = await r.resolveAddresses('Host.Test.');
  assert.deepEqual(first.ok ? first.value.map((a) => [a.address, a.family]) : first, [['192.0.2.1', 4], ['2001:db8::1', 6]]);
  now += 29_000;
  await r.resolveAddresses('host.test');
  assert.deepEqual(calls, { mx: 0, a: 1, aaaa: 1 }, 'both families served from the cache within the TTL');
  now += 2_000;
  await r.resolveAddresses('host.test');
  assert.deepEqual(calls, { mx: 0, a: 2, aaaa: 1 }, 'A expired after 30 s, AAAA still cached');
});

test('MX answers are cached for the fixed MX time; temporary failures are not cached', async () => {
  let now = 0;
  let fail = true;
  const { backend, calls } = countingBackend({
    mx: () => {
      if (fail) throw err('ESERVFAIL');
      return [{ exchange: 'MX.Example.Test', priority: 10 }];
    },
  });
  const r = new CachingResolver({ timeout: 1000, clock: { now: () => now }, backend });
  const bad = await r.resolveMx('example.test');
  assert.ok(!bad.ok && bad.error.kind === 'temporary');
  fail = false;
  const good = await r.resolveMx('example.test');
  assert.deepEqual(good.ok ? good.value : good, [{ exchange: 'mx.example.test', preference: 10 }]);
  now += MX_CACHE_MS - 1;
  await r.resolveMx('example.test');
  assert.equal(calls.mx, 2);
  now += 2;
  await r.resolveMx('example.test');
  assert.equal(calls.mx, 3);
});

test('one address family answering is enough; both failing reports the worst failure', async () => {
  const oneSide = countingBackend({ a: () => [{ address: '192.0.2.1', ttl: 5 }], aaaa: () => { throw err('ETIMEOUT'); } });
  const r1 = new CachingResolver({ timeout: 1000, clock: { now: () => 0 }, backend: oneSide.backend });
  const got = await r1.resolveAddresses('h.test');
  assert.ok(got.ok && got.value.length === 1);
  const neither = countingBackend({ a: () => { throw err('ENODATA'); }, aaaa: () => { throw err('ETIMEOUT'); } });
  const r2 = new CachingResolver({ timeout: 1000, clock: { now: () => 0 }, backend: neither.backend });
  const res = await r2.resolveAddresses('h.test');
  assert.ok(!res.ok && res.error.kind === 'temporary');
});
