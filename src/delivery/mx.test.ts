import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Random } from '../core/index.js';
import type { AddressRecord, DnsFailureKind, DnsResolver, DnsResult, MxRecord } from '../dns/index.js';
import { orderMx, resolveSite } from './mx.js';

/** A scripted resolver: names map to records or to a failure kind. */
function fakeResolver(mx: Record<string, MxRecord[] | DnsFailureKind>, hosts: Record<string, string[] | DnsFailureKind>): DnsResolver {
  const wrap = <T>(v: T | DnsFailureKind | undefined): DnsResult<T> =>
    v === undefined ? { ok: false, error: { kind: 'nxdomain', code: 'ENOTFOUND', message: 'x' } } : typeof v === 'string' ? { ok: false, error: { kind: v as DnsFailureKind, code: v, message: v } } : { ok: true, value: v };
  return {
    resolveMx: async (d) => wrap(mx[d] ?? 'nodata'),
    resolveAddresses: async (h) => {
      const v = hosts[h];
      return wrap<AddressRecord[]>(Array.isArray(v) ? v.map((a) => ({ address: a, family: a.includes(':') ? 6 : 4, ttl: 60 })) : v);
    },
  };
}

/** A Random that replays a fixed sequence. */
const seq = (...xs: number[]): Random => {
  let i = 0;
  return { next: () => xs[i++ % xs.length] ?? 0 };
};

const base = { port: 25, random: seq(0) };

test('MX hosts are tried most preferred first', async () => {
  const resolver = fakeResolver(
    { 'a.test': [{ exchange: 'mx20.a.test', preference: 20 }, { exchange: 'mx5.a.test', preference: 5 }, { exchange: 'mx10.a.test', preference: 10 }] },
    { 'mx5.a.test': ['192.0.2.5'], 'mx10.a.test': ['192.0.2.10'], 'mx20.a.test': ['192.0.2.20', '2001:db8::20'] },
  );
  const site = await resolveSite('A.test.', { ...base, resolver });
  assert.ok(site.ok);
  assert.deepEqual(site.hosts.map((h) => h.host), ['mx5.a.test', 'mx10.a.test', 'mx20.a.test']);
  assert.deepEqual(site.hosts[2]?.addresses.map((a) => a.address), ['192.0.2.20', '2001:db8::20']);
  assert.equal(site.implicit, false);
});

test('equal preferences are shuffled by the injected random, other order kept', () => {
  const recs: MxRecord[] = [
    { exchange: 'a', preference: 10 },
    { exchange: 'b', preference: 10 },
    { exchange: 'c', preference: 10 },
    { exchange: 'z', preference: 20 },
  ];
  // Fisher-Yates from the end: i=2 picks j=floor(r*3), i=1 picks j=floor(r*2).
  assert.deepEqual(orderMx(recs, seq(0.99, 0.99)).map((r) => r.exchange), ['a', 'b', 'c', 'z']);
  assert.deepEqual(orderMx(recs, seq(0, 0)).map((r) => r.exchange), ['b', 'c', 'a', 'z']);
  assert.deepEqual(orderMx(recs, seq(0.5, 0)).map((r) => r.exchange), ['c', 'a', 'b', 'z']);
  // Every permutation of the three is reachable over many draws.
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(orderMx(recs, { next: Math.random }).slice(0, 3).map((r) => r.exchange).join(''));
  assert.equal(seen.size, 6);
});

test('a domain without MX uses its own address (implicit MX)', async () => {
  const site = await resolveSite('b.test', { ...base, resolver: fakeResolver({}, { 'b.test': ['192.0.2.7'] }) });
  assert.ok(site.ok);
  assert.equal(site.implicit, true);
  assert.deepEqual(site.hosts.map((h) => [h.host, h.addresses[0]?.address]), [['b.test', '192.0.2.7']]);
});

test('a null MX bounces with 556 5.1.10 (RFC 7505)', async () => {
  const site = await resolveSite('n.test', { ...base, resolver: fakeResolver({ 'n.test': [{ exchange: '', preference: 0 }] }, {}) });
  assert.ok(!site.ok);
  assert.equal(site.temporary, false);
  assert.equal(site.reply.code, 556);
  assert.deepEqual(site.reply.status, { class: 5, subject: 1, detail: 10 });
});

test('NXDOMAIN is permanent 550 5.1.2; SERVFAIL/timeout is temporary', async () => {
  const nx = await resolveSite('nx.test', { ...base, resolver: fakeResolver({ 'nx.test': 'nxdomain' }, {}) });
  assert.ok(!nx.ok && !nx.temporary && nx.reply.code === 550 && nx.reply.status?.detail === 2);
  const tmp = await resolveSite('t.test', { ...base, resolver: fakeResolver({ 't.test': 'temporary' }, {}) });
  assert.ok(!tmp.ok && tmp.temporary && tmp.reply.code === 451);
  const noAddr = await resolveSite('e.test', { ...base, resolver: fakeResolver({}, { 'e.test': 'nodata' }) });
  assert.ok(!noAddr.ok && !noAddr.temporary, 'no MX and no address: permanent');
});

test('MX hosts without addresses are skipped; if all fail the result is permanent unless a lookup failed temporarily', async () => {
  const mx = { 'c.test': [{ exchange: 'gone.c.test', preference: 1 }, { exchange: 'ok.c.test', preference: 2 }] };
  const some = await resolveSite('c.test', { ...base, resolver: fakeResolver(mx, { 'ok.c.test': ['192.0.2.9'] }) });
  assert.ok(some.ok);
  assert.deepEqual(some.hosts.map((h) => h.host), ['ok.c.test']);
  const none = await resolveSite('c.test', { ...base, resolver: fakeResolver(mx, {}) });
  assert.ok(!none.ok && !none.temporary && none.reply.code === 554);
  const soft = await resolveSite('c.test', { ...base, resolver: fakeResolver(mx, { 'ok.c.test': 'temporary' }) });
  assert.ok(!soft.ok && soft.temporary);
});

test('an MX pointing at ourselves drops it and every less preferred MX; nothing left is a temporary loop', async () => {
  const mx = { 'l.test': [{ exchange: 'backup.l.test', preference: 5 }, { exchange: 'me.l.test', preference: 10 }, { exchange: 'later.l.test', preference: 20 }] };
  const hosts = { 'backup.l.test': ['192.0.2.1'], 'me.l.test': ['127.0.0.1'], 'later.l.test': ['192.0.2.3'] };
  const isSelf = (ip: string, port: number): boolean => ip === '127.0.0.1' && port === 25;
  const site = await resolveSite('l.test', { ...base, isSelf, resolver: fakeResolver(mx, hosts) });
  assert.ok(site.ok);
  assert.deepEqual(site.hosts.map((h) => h.host), ['backup.l.test']);
  const loop = await resolveSite('l.test', { ...base, isSelf, resolver: fakeResolver({ 'l.test': [{ exchange: 'me.l.test', preference: 1 }] }, hosts) });
  assert.ok(!loop.ok && loop.temporary && loop.reply.code === 451 && loop.reply.status?.detail === 6);
  assert.match(loop.ok ? '' : loop.reason, /loop/);
  const other = await resolveSite('l.test', { ...base, port: 2525, isSelf, resolver: fakeResolver({ 'l.test': [{ exchange: 'me.l.test', preference: 1 }] }, hosts) });
  assert.ok(other.ok, 'the same IP on another port is not ourselves');
});

test('address literals are never delivered to (permanent 550 5.1.2)', async () => {
  const resolver = fakeResolver({}, {});
  for (const d of ['[192.0.2.1]', '[IPv6:2001:db8::1]']) {
    const site = await resolveSite(d, { ...base, resolver });
    assert.ok(!site.ok && !site.temporary && site.reply.code === 550, d);
  }
});

test('selfCheck matches our listeners exactly, and wildcard listeners through any local address', async () => {
  const { selfCheck } = await import('./mx.js');
  const isSelf = selfCheck(
    [
      { host: '127.0.0.1', port: 25 },
      { host: '0.0.0.0', port: 587 },
    ],
    ['127.0.0.1', '10.1.2.3', '::1'],
  );
  assert.equal(isSelf('127.0.0.1', 25), true);
  assert.equal(isSelf('::ffff:127.0.0.1', 25), true);
  assert.equal(isSelf('127.0.0.2', 25), false, 'another loopback address is another host (test sinks live there)');
  assert.equal(isSelf('10.1.2.3', 25), false);
  assert.equal(isSelf('10.1.2.3', 587), true);
  assert.equal(isSelf('192.0.2.1', 587), false);
});
