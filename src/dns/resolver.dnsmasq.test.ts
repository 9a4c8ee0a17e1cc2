import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { startDnsmasq, type DnsmasqHandle } from '../../test/helpers/dnsmasq.js';
import { createResolver } from './resolver.js';

// The resolver against a real DNS server (dnsmasq on loopback).
let dns: DnsmasqHandle;
/** Served TTL: unlike any fixed time the resolver could fall back on. */
const TTL = 77;

before(async () => {
  dns = await startDnsmasq({
    hosts: { 'dual.test': ['127.0.0.21', '::1'], 'v6only.test': ['::1'] },
    mx: { 'mail.test': [{ host: 'mx.mail.test', preference: 7 }], 'ttl.test': [{ host: 'mx.ttl.test', preference: 5 }] },
    txt: { 'spf.test': [['v=spf1 ip4:192.0.2.0/24', ' -all'], ['other, with a comma']] },
    broken: ['broken.test'],
    ttl: TTL,
  });
});
after(async () => {
  await dns?.stop();
});

/** Lines of dnsmasq's query log that match, e.g. "query[MX] ttl.test from". */
const logged = (what: string) => dns.log().split('\n').filter((l) => l.includes(what)).length;

/**
 * Everything the resolver sent before this point is in the log once dnsmasq has
 * logged a fresh query sent after it (dnsmasq answers and logs in arrival order).
 */
async function logCaughtUp(marker: string): Promise<void> {
  const probe = createResolver({ servers: [dns.server], timeout: 1000 }, { now: () => 0 });
  await probe.resolveTxt(`${marker}.test`);
  for (let i = 0; i < 500 && logged(`query[TXT] ${marker}.test from`) === 0; i++) await sleep(10);
  assert.equal(logged(`query[TXT] ${marker}.test from`), 1, `dnsmasq logged the marker ${marker}`);
}

test('A and AAAA come back together, IPv4 first, with the served TTL', async () => {
  const r = createResolver({ servers: [dns.server], timeout: 1000 }, { now: () => 0 });
  const got = await r.resolveAddresses('dual.test');
  assert.ok(got.ok, JSON.stringify(got));
  assert.deepEqual(got.value.map((a) => [a.address, a.family, a.ttl]), [
    ['127.0.0.21', 4, TTL],
    ['::1', 6, TTL],
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
  const slow = await r.resolveMx('a.broken.test');
  assert.ok(!slow.ok && slow.error.kind === 'temporary', JSON.stringify(slow));
});

test('an MX answer is kept for its served TTL and asked of the server again after it', async () => {
  const clock = { t: 5_000_000, now: () => clock.t };
  const r = createResolver({ servers: [dns.server], timeout: 1000 }, clock);
  const asked = () => logged('query[MX] ttl.test from');
  const first = await r.resolveMx('ttl.test');
  assert.deepEqual(first.ok ? first.value : first, [{ exchange: 'mx.ttl.test', preference: 5 }]);
  await logCaughtUp('marker-1');
  assert.equal(asked(), 1);
  clock.t += TTL * 1000 - 1;
  assert.ok((await r.resolveMx('ttl.test')).ok);
  await logCaughtUp('marker-2');
  assert.equal(asked(), 1, 'served from the cache 1 ms before the TTL ends');
  clock.t += 1;
  assert.ok((await r.resolveMx('ttl.test')).ok);
  await logCaughtUp('marker-3');
  assert.equal(asked(), 2, 'asked again once the TTL is over');
});

test('TXT records come back one by one, each with its strings', async () => {
  const r = createResolver({ servers: [dns.server], timeout: 1000 }, { now: () => 0 });
  const got = await r.resolveTxt('spf.test');
  assert.ok(got.ok, JSON.stringify(got));
  assert.deepEqual([...got.value].sort(), [['other, with a comma'], ['v=spf1 ip4:192.0.2.0/24', ' -all']]);
  const none = await r.resolveTxt('mail.test');
  assert.ok(!none.ok && none.error.kind === 'nodata', JSON.stringify(none));
});
