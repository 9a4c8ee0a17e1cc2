import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsQuerier, QueryOutcome } from './client.js';
import type { DnsMessage, WireRecord } from './message.js';
import { CachingResolver, MAX_NEGATIVE_TTL_MS, MAX_TTL_MS, NEGATIVE_CACHE_MS } from './resolver.js';
import type { RecordType } from './types.js';

// The cache and the error model over a fake querier; time is a fake clock.
type Reply = (name: string) => QueryOutcome;

function fakeQuerier(replies: Partial<Record<RecordType, Reply>>) {
  const asked: string[] = [];
  const querier: DnsQuerier = {
    query: async (name, type) => {
      asked.push(`${type} ${name}`);
      return (replies[type] ?? (() => ok([])))(name);
    },
  };
  return { querier, asked };
}

const ok = (answers: WireRecord[], extra: Partial<DnsMessage> = {}): QueryOutcome => ({
  ok: true,
  message: { rcode: 'NOERROR', truncated: false, authenticated: false, answers, authorities: [], ...extra },
});
const temporary = (code: string): QueryOutcome => ({ ok: false, error: { kind: 'temporary', code, message: code } });
const soa = (ttl: number, minimum: number): WireRecord => ({ type: 'SOA', name: 'test', ttl, data: { mname: 'ns.test', rname: 'h.test', minimum } });
const mx = (name: string, ttl: number, exchange = 'mx.example.test'): WireRecord => ({ type: 'MX', name, ttl, data: { preference: 10, exchange } });

function resolver(replies: Partial<Record<RecordType, Reply>>, maxEntries?: number) {
  const clock = { t: 1_000_000, now: () => clock.t };
  const { querier, asked } = fakeQuerier(replies);
  const r = new CachingResolver({ timeout: 1000, clock, querier, ...(maxEntries ? { maxEntries } : {}) });
  return { r, asked, clock };
}

test('an MX answer is kept for its TTL (the smallest of the RRset) and asked again after it', async () => {
  const { r, asked, clock } = resolver({ MX: (n) => ok([mx(n, 90, 'MX.Example.Test.'), mx(n, 42, 'mx2.example.test')]) });
  const first = await r.resolveMx('Example.Test.');
  assert.deepEqual(first.ok ? first.value.map((m) => m.exchange) : first, ['mx.example.test', 'mx2.example.test']);
  clock.t += 42_000 - 1;
  await r.resolveMx('example.test');
  assert.equal(asked.length, 1, 'still cached 1 ms before the TTL ends');
  clock.t += 1;
  await r.resolveMx('example.test');
  assert.deepEqual(asked, ['MX example.test', 'MX example.test'], 'asked again once the 42 s TTL is over');
});

test('a long TTL is capped at one hour', async () => {
  const { r, asked, clock } = resolver({ MX: (n) => ok([mx(n, 86_400)]) });
  await r.resolveMx('example.test');
  clock.t += MAX_TTL_MS - 1;
  await r.resolveMx('example.test');
  assert.equal(asked.length, 1);
  clock.t += 1;
  await r.resolveMx('example.test');
  assert.equal(asked.length, 2);
});

test('A/AAAA answers are cached for their own TTLs; IPv4 comes first', async () => {
  const { r, asked, clock } = resolver({
    A: (n) => ok([{ type: 'A', name: n, ttl: 30, data: '192.0.2.1' }]),
    AAAA: (n) => ok([{ type: 'AAAA', name: n, ttl: 60, data: '2001:db8::1' }]),
  });
  const first = await r.resolveAddresses('Host.Test.');
  assert.deepEqual(first.ok ? first.value : first, [
    { address: '192.0.2.1', family: 4, ttl: 30 },
    { address: '2001:db8::1', family: 6, ttl: 60 },
  ]);
  clock.t += 29_000;
  await r.resolveAddresses('host.test');
  assert.equal(asked.length, 2, 'both families served from the cache within the TTL');
  clock.t += 2_000;
  await r.resolveAddresses('host.test');
  assert.deepEqual(asked.slice(2), ['A host.test'], 'A expired after 30 s, AAAA still cached');
});

test('a negative answer is kept for the SOA time (RFC 2308), capped; without an SOA for a short default', async () => {
  const cases: [WireRecord[], number][] = [
    [[soa(600, 300)], 300_000],
    [[soa(86_400, 86_400)], MAX_NEGATIVE_TTL_MS],
    [[], NEGATIVE_CACHE_MS],
  ];
  for (const [authorities, keepMs] of cases) {
    const { r, asked, clock } = resolver({ MX: () => ok([], { rcode: 'NXDOMAIN', authorities }) });
    const nx = await r.resolveMx('nope.test');
    assert.ok(!nx.ok && nx.error.kind === 'nxdomain', JSON.stringify(nx));
    clock.t += keepMs - 1;
    await r.resolveMx('nope.test');
    assert.equal(asked.length, 1, `kept ${keepMs} ms`);
    clock.t += 1;
    await r.resolveMx('nope.test');
    assert.equal(asked.length, 2, `asked again after ${keepMs} ms`);
  }
  const { r } = resolver({ MX: () => ok([], { authorities: [soa(60, 60)] }) });
  const nodata = await r.resolveMx('host.test');
  assert.ok(!nodata.ok && nodata.error.kind === 'nodata');
});

test('temporary failures are not cached, and a failing querier is temporary, never a bounce', async () => {
  let fail = true;
  const { r, asked } = resolver({ MX: (n) => (fail ? temporary('SERVFAIL') : ok([mx(n, 60)])) });
  const bad = await r.resolveMx('example.test');
  assert.ok(!bad.ok && bad.error.kind === 'temporary' && bad.error.code === 'SERVFAIL');
  fail = false;
  const good = await r.resolveMx('example.test');
  assert.ok(good.ok);
  assert.equal(asked.length, 2);
  const broken = new CachingResolver({ timeout: 1000, clock: { now: () => 0 }, querier: { query: () => Promise.reject(new Error('bug')) } });
  const res = await broken.resolveMx('example.test');
  assert.ok(!res.ok && res.error.kind === 'temporary', JSON.stringify(res));
});

test('concurrent lookups of one name share one query', async () => {
  const { r, asked } = resolver({ MX: (n) => ok([mx(n, 60)]) });
  const all = await Promise.all([r.resolveMx('example.test'), r.resolveMx('EXAMPLE.test'), r.resolveMx('example.test.')]);
  assert.ok(all.every((x) => x.ok));
  assert.equal(asked.length, 1);
});

test('the cache is bounded: the oldest entry goes first', async () => {
  const { r, asked } = resolver({ MX: (n) => ok([mx(n, 600)]) }, 2);
  for (const d of ['a.test', 'b.test', 'c.test', 'b.test', 'c.test', 'a.test']) await r.resolveMx(d);
  assert.deepEqual(asked, ['MX a.test', 'MX b.test', 'MX c.test', 'MX a.test']);
});

test('TXT gives each record its strings; TLSA is asked at _port._tcp.host and says whether it was authenticated', async () => {
  const { r, asked } = resolver({
    TXT: (n) => ok([{ type: 'TXT', name: n, ttl: 60, data: [Buffer.from('v=DMARC1; '), Buffer.from('p=reject')] }]),
    TLSA: (n) => ok([{ type: 'TLSA', name: n, ttl: 60, data: { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from('ab', 'hex') } }], { authenticated: true }),
  });
  const txt = await r.resolveTxt('_dmarc.example.test');
  assert.deepEqual(txt.ok ? txt.value : txt, [['v=DMARC1; ', 'p=reject']]);
  const tlsa = await r.resolveTlsa('MX.Example.Test.', 25);
  assert.ok(tlsa.ok && tlsa.value.authenticated && tlsa.value.records[0]?.usage === 3, JSON.stringify(tlsa));
  assert.deepEqual(asked, ['TXT _dmarc.example.test', 'TLSA _25._tcp.mx.example.test']);
});

test('one address family answering is enough; both failing reports the worst failure', async () => {
  const one = resolver({ A: (n) => ok([{ type: 'A', name: n, ttl: 5, data: '192.0.2.1' }]), AAAA: () => temporary('ETIMEOUT') });
  const got = await one.r.resolveAddresses('h.test');
  assert.ok(got.ok && got.value.length === 1);
  const neither = resolver({ A: () => ok([]), AAAA: () => temporary('ETIMEOUT') });
  const res = await neither.r.resolveAddresses('h.test');
  assert.ok(!res.ok && res.error.kind === 'temporary');
  const none = resolver({ A: () => ok([], { rcode: 'NXDOMAIN' }), AAAA: () => ok([]) });
  const nx = await none.r.resolveAddresses('h.test');
  assert.ok(!nx.ok && nx.error.kind === 'nxdomain');
});
