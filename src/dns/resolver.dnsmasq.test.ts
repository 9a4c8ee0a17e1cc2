import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsmasq, type DnsmasqHandle } from '../../test/helpers/dnsmasq.js';
import { createResolver } from './resolver.js';

// The resolver against a real DNS server (dnsmasq on loopback).
let dns: DnsmasqHandle;

before(async () => {
  dns = await startDnsmasq({
    hosts: { 'dual.test': ['127.0.0.21', '::1'], 'v6only.test': ['::1'] },
    mx: { 'mail.test': [{ host: 'mx.mail.test', preference: 7 }] },
    broken: ['broken.test'],
    ttl: 300,
  });
});
after(async () => {
  await dns?.stop();
});

test('A and AAAA come back together, IPv4 first, with the served TTL', async () => {
  const r = createResolver({ servers: [dns.server], timeout: 1000 }, { now: () => 0 });
  const got = await r.resolveAddresses('dual.test');
  assert.ok(got.ok, JSON.stringify(got));
  assert.deepEqual(got.value.map((a) => [a.address, a.family, a.ttl]), [
    ['127.0.0.21', 4, 300],
    ['::1', 6, 300],
  ]);
  const v6 = await r.resolveAddresses('v6only.test');
  assert.ok(v6.ok && v6.value.length === 1 && v6.value[0]?.family === 6);
});

test('MX answers, NXDOMAIN, NODATA and an unanswered query map to data', async () => {
  const r = createResolver({ servers: [dns.server], timeout: 600 }, { now: () => 0 });
  const mx = await r.resolveMx('MAIL.test.');
  assert.deepEqual(mx.ok ? mx.value : mx, [{ exchange: 'mx.mail.test', preference: 7 }]);
  const nx = await r.resolveMx('nope.test');
  assert.ok(!nx.ok && nx.error.kind === 'nxdomain', JSON.stringify(nx));
  const nodata = await r.resolveMx('dual.test');
  assert.ok(!nodata.ok && nodata.error.kind === 'nodata', JSON.stringify(nodata));
  const t0 = Date.now();
  const slow = await r.resolveMx('a.broken.test');
  assert.ok(!slow.ok && slow.error.kind === 'temporary', JSON.stringify(slow));
  assert.ok(Date.now() - t0 < 3000, `bounded by the timeout, took ${Date.now() - t0} ms`);
});
