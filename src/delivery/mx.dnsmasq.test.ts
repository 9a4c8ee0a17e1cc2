import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemClock } from '../core/index.js';
import { createResolver } from '../dns/index.js';
import { startDnsmasq, type DnsmasqHandle } from '../../test/helpers/dnsmasq.js';
import { resolveSite } from './mx.js';

// Real DNS: Debian dnsmasq on loopback serving the test zone.
let dns: DnsmasqHandle;

before(async () => {
  dns = await startDnsmasq({
    mx: {
      'multi.test': [
        { host: 'mx-b.multi.test', preference: 20 },
        { host: 'mx-a.multi.test', preference: 10 },
        { host: 'mx-c.multi.test', preference: 30 },
      ],
      'loop.test': [{ host: 'me.loop.test', preference: 10 }],
    },
    hosts: {
      'mx-a.multi.test': ['127.0.0.11'],
      'mx-b.multi.test': ['127.0.0.12', '::1'],
      'mx-c.multi.test': ['127.0.0.13'],
      'implicit.test': ['127.0.0.14'],
      'me.loop.test': ['127.0.0.1'],
    },
    nullMx: ['nullmx.test'],
    broken: ['broken.test'],
  });
});

after(async () => {
  await dns?.stop();
});

const resolver = () => createResolver({ servers: [dns.server], timeout: 600 }, systemClock);
const opts = () => ({ resolver: resolver(), random: { next: Math.random }, port: 25 });

test('MX records from a real DNS server are ordered by preference with their A and AAAA addresses', async () => {
  const site = await resolveSite('multi.test', opts());
  assert.ok(site.ok, JSON.stringify(site));
  assert.deepEqual(site.hosts.map((h) => [h.host, h.preference]), [
    ['mx-a.multi.test', 10],
    ['mx-b.multi.test', 20],
    ['mx-c.multi.test', 30],
  ]);
  assert.deepEqual(site.hosts[1]?.addresses.map((a) => a.address), ['127.0.0.12', '::1']);
});

test('a domain with only an A record is its own mail exchanger', async () => {
  const site = await resolveSite('implicit.test', opts());
  assert.ok(site.ok && site.implicit);
  assert.deepEqual(site.hosts.map((h) => h.addresses.map((a) => a.address)), [['127.0.0.14']]);
});

test('a null MX published in DNS bounces with 556 5.1.10', async () => {
  const site = await resolveSite('nullmx.test', opts());
  assert.ok(!site.ok && !site.temporary && site.reply.code === 556, JSON.stringify(site));
});

test('a domain that does not exist bounces with 550 5.1.2', async () => {
  const site = await resolveSite('no-such-domain.test', opts());
  assert.ok(!site.ok && !site.temporary && site.reply.code === 550, JSON.stringify(site));
});

test('a domain whose DNS does not answer is deferred, within the configured timeout', async () => {
  const t0 = Date.now();
  const site = await resolveSite('x.broken.test', opts());
  assert.ok(!site.ok && site.temporary && site.reply.code === 451, JSON.stringify(site));
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
});

test('an MX that points back at our own listener is a temporary loop', async () => {
  const site = await resolveSite('loop.test', { ...opts(), isSelf: (ip, port) => ip === '127.0.0.1' && port === 25 });
  assert.ok(!site.ok && site.temporary && site.reply.status?.detail === 6, JSON.stringify(site));
});
