import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsAnswer, DnsResult, RecordResolver, RecordType, TlsaRecord } from '../../../dns/index.js';
import type { SiteHost } from '../../mx.js';
import { isRefusal, type HostTls } from '../host-tls.js';
import { DaneSource } from './dane-source.js';

/**
 * Which hosts DANE speaks for (RFC 7672 §2.2), with a fake resolver: answers
 * are given per "TYPE name" with their AD bit. The real validating resolver is
 * in test/e2e/tls-dane.test.ts; here each security condition is taken away on
 * its own.
 */
type Entry = { records: unknown[]; ad: boolean } | 'nodata' | 'servfail';

function fakeResolver(table: Record<string, Entry>): RecordResolver & { queries: string[] } {
  const queries: string[] = [];
  const answers = new Map<string, DnsResult<DnsAnswer<unknown>>>();
  const lookup = async (name: string, type: RecordType) => {
    const key = `${type} ${name}`;
    queries.push(key);
    // Like CachingResolver: the same answer object while it is cached.
    const hit = answers.get(key);
    if (hit) return hit;
    const e = table[key] ?? 'nodata';
    const got: DnsResult<DnsAnswer<unknown>> =
      e === 'nodata'
        ? { ok: false, error: { kind: 'nodata', code: 'NODATA', message: `${name}: none` } }
        : e === 'servfail'
          ? { ok: false, error: { kind: 'temporary', code: 'SERVFAIL', message: `${name}: SERVFAIL` } }
          : { ok: true, value: { records: e.records, ttl: 300, authenticated: e.ad } };
    if (e !== 'servfail') answers.set(key, got);
    return got;
  };
  return {
    queries,
    lookup: lookup as RecordResolver['lookup'],
    resolveTlsa: (host, port) => lookup(`_${port}._tcp.${host}`, 'TLSA') as Promise<DnsResult<DnsAnswer<TlsaRecord>>>,
    resolveMx: async () => ({ ok: true, value: [] }),
    resolveTxt: async () => ({ ok: true, value: [] }),
    resolveAddresses: async () => ({ ok: true, value: [] }),
  };
}

const host = (name: string): SiteHost => ({ host: name, preference: 10, addresses: [{ address: '127.0.0.1', family: 4, ttl: 300 }] });
const ee: TlsaRecord = { usage: 3, selector: 1, matchingType: 1, data: Buffer.alloc(32, 1) };
const pkix: TlsaRecord = { usage: 1, selector: 1, matchingType: 1, data: Buffer.alloc(32, 2) };
const clock = { now: () => 0 };

function secureSite(extra: Record<string, Entry> = {}): Record<string, Entry> {
  return {
    'MX example.test': { records: [{ exchange: 'mx.example.test', preference: 10 }], ad: true },
    'A mx.example.test': { records: ['127.0.0.1'], ad: true },
    'TLSA _25._tcp.mx.example.test': { records: [ee], ad: true },
    ...extra,
  } satisfies Record<string, Entry>;
}

async function demandFor(table: Record<string, Entry>, name = 'mx.example.test') {
  const dane = new DaneSource({ resolver: fakeResolver(table), port: 25, clock });
  const plan = await dane.plan('example.test', [host(name)]);
  return plan?.forHost(host(name));
}

test('secure MX, secure address, authenticated usable TLSA: TLS required with a peer check', async () => {
  const d = (await demandFor(secureSite())) as HostTls;
  assert.equal(d.tls, 'required');
  assert.equal(typeof d.checkPeer, 'function');
  assert.equal(d.policy.type, 'tlsa');
  assert.equal(d.policy.domain, 'mx.example.test');
  assert.deepEqual(d.policy.strings, [`3 1 1 ${'01'.repeat(32)}`]);
  assert.equal(d.settings?.servername, 'mx.example.test', 'SNI is the TLSA base domain (RFC 7672 §8.1)');
});

test('each missing AD bit on its own turns DANE off for the host', async () => {
  assert.equal(await demandFor(secureSite({ 'MX example.test': { records: [{ exchange: 'mx.example.test', preference: 10 }], ad: false } })), undefined, 'insecure MX');
  assert.equal(await demandFor(secureSite({ 'A mx.example.test': { records: ['127.0.0.1'], ad: false } })), undefined, 'insecure A');
  assert.equal(await demandFor(secureSite({ 'AAAA mx.example.test': { records: ['::1'], ad: false } })), undefined, 'secure A but insecure AAAA');
  assert.equal(await demandFor(secureSite({ 'TLSA _25._tcp.mx.example.test': { records: [ee], ad: false } })), undefined, 'insecure TLSA');
  assert.equal(await demandFor(secureSite({ 'TLSA _25._tcp.mx.example.test': 'nodata' })), undefined, 'no TLSA');
});

test('a TLSA lookup that fails for a secure host refuses it for now (RFC 7672 §2.1.1)', async () => {
  const d = await demandFor(secureSite({ 'TLSA _25._tcp.mx.example.test': 'servfail' }));
  assert.ok(d && isRefusal(d) && d.temporary, JSON.stringify(d));
  assert.match(d.reason, /TLSA lookup for _25\._tcp\.mx\.example\.test failed \(SERVFAIL\)/);
  const mxFailed = await demandFor(secureSite({ 'MX example.test': 'servfail' }));
  assert.ok(mxFailed && isRefusal(mxFailed) && mxFailed.temporary, 'an MX lookup failure is not read as "insecure"');
});

test('only unusable records (PKIX-EE): TLS required, nothing to check', async () => {
  const d = (await demandFor(secureSite({ 'TLSA _25._tcp.mx.example.test': { records: [pkix], ad: true } }))) as HostTls;
  assert.equal(d.tls, 'required');
  assert.equal(d.checkPeer, undefined);
});

test('implicit MX: the domain itself, with secure addresses, gets DANE; the TLSA port is delivery.port', async () => {
  const resolver = fakeResolver({
    'MX example.test': 'nodata',
    'A example.test': { records: ['127.0.0.1'], ad: true },
    'TLSA _2525._tcp.example.test': { records: [ee], ad: true },
  });
  const dane = new DaneSource({ resolver, port: 2525, clock });
  const d = (await dane.plan('example.test', [host('example.test')]))?.forHost(host('example.test')) as HostTls;
  assert.equal(d.tls, 'required');
});

test('a cached answer gives the same demand object: nothing is rebuilt per message', async () => {
  const resolver = fakeResolver(secureSite());
  const dane = new DaneSource({ resolver, port: 25, clock });
  const first = (await dane.plan('example.test', [host('mx.example.test')]))?.forHost(host('mx.example.test'));
  const second = (await dane.plan('example.test', [host('mx.example.test')]))?.forHost(host('mx.example.test'));
  assert.ok(first && first === second);
});

test('explain: per host, whether TLSA was found and authenticated, and which records are usable', async () => {
  const resolver = fakeResolver(secureSite({ 'TLSA _25._tcp.mx.example.test': { records: [ee, pkix], ad: true } }));
  const got = await new DaneSource({ resolver, port: 25, clock }).explain('example.test', [host('mx.example.test')]);
  assert.equal(got.source, 'dane');
  assert.equal(got.found, true);
  assert.equal(got.summary, 'mx.example.test: TLSA 1/2 usable');
  const rows = (got.details as { hosts: { authenticated: boolean; usable: string[]; records: string[] }[] }).hosts;
  assert.equal(rows[0]?.authenticated, true);
  assert.deepEqual(rows[0]?.usable, [`3 1 1 ${'01'.repeat(32)}`]);
  assert.equal(rows[0]?.records.length, 2);
  const unsigned = fakeResolver({ 'MX example.test': { records: [], ad: false }, 'TLSA _25._tcp.mx.example.test': { records: [ee], ad: false } });
  const insecure = await new DaneSource({ resolver: unsigned, port: 25, clock }).explain('example.test', [host('mx.example.test')]);
  assert.equal(insecure.found, false);
  assert.match(insecure.summary, /not DNSSEC-authenticated/);
  const row = (insecure.details as { hosts: { dane: string; tlsa: string; authenticated: boolean; records: string[] }[] }).hosts[0];
  assert.deepEqual([row?.dane, row?.tlsa, row?.authenticated, row?.records.length], ['not-secure', 'found', false, 1], 'the TLSA found, shown as not authenticated');
});
