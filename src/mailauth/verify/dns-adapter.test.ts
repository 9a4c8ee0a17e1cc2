import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsFailure, DnsResult, RecordResolver } from '../../dns/index.js';
import { mailauthResolver, nodeErrorCode } from './dns-adapter.js';

// The adapter between our resolver's data and the node-shaped answers and
// errors mailauth expects, over a fake RecordResolver.

const fail = (kind: DnsFailure['kind'], code: string): { ok: false; error: DnsFailure } => ({ ok: false, error: { kind, code, message: `${code} test` } });
const answer = <T>(records: T[]) => ({ ok: true as const, value: { records, ttl: 60, authenticated: false } });

function fakeResolver(zone: Record<string, DnsResult<unknown>>): { resolver: RecordResolver; asked: string[] } {
  const asked: string[] = [];
  const get = (key: string) => {
    asked.push(key);
    return zone[key] ?? fail('nxdomain', 'NXDOMAIN');
  };
  const list = (key: string) => {
    const r = get(key) as DnsResult<{ records: unknown[] }>;
    return r.ok ? { ok: true, value: r.value.records } : r;
  };
  const resolver = {
    lookup: async (name: string, type: string) => get(`${type} ${name}`),
    resolveTxt: async (name: string) => list(`TXT ${name}`),
    resolveMx: async (name: string) => list(`MX ${name}`),
    resolveAddresses: async () => assert.fail('not used'),
    resolveTlsa: async () => assert.fail('not used'),
  } as unknown as RecordResolver;
  return { resolver, asked };
}

test('answers come in the shape of node dns.promises.resolve: TXT string lists, MX {exchange, priority}, addresses and PTR names', async () => {
  const { resolver, asked } = fakeResolver({
    'TXT example.test': answer([['v=spf1 ', 'ip4:192.0.2.1 -all'], ['other']]),
    'MX example.test': answer([{ exchange: 'mx.example.test', preference: 10 }]),
    'A mx.example.test': answer(['192.0.2.1']),
    'AAAA mx.example.test': answer(['2001:db8::1']),
    'PTR 1.2.0.192.in-addr.arpa': answer(['mx.example.test']),
  });
  const r = mailauthResolver(resolver);
  assert.deepEqual(await r('example.test', 'TXT'), [['v=spf1 ', 'ip4:192.0.2.1 -all'], ['other']]);
  assert.deepEqual(await r('example.test', 'MX'), [{ exchange: 'mx.example.test', priority: 10 }]);
  assert.deepEqual(await r('mx.example.test', 'A'), ['192.0.2.1']);
  assert.deepEqual(await r('mx.example.test', 'aaaa'), ['2001:db8::1'], 'the type is matched without case');
  assert.deepEqual(await r('1.2.0.192.in-addr.arpa', 'PTR'), ['mx.example.test']);
  assert.equal(asked.length, 5);
});

test('NXDOMAIN and NODATA fail as ENOTFOUND and ENODATA: SPF counts them void, DKIM says "no key"', async () => {
  const { resolver } = fakeResolver({ 'TXT empty.test': fail('nodata', 'NODATA') });
  const r = mailauthResolver(resolver);
  await assert.rejects(r('missing.test', 'TXT'), { code: 'ENOTFOUND' });
  await assert.rejects(r('empty.test', 'TXT'), { code: 'ENODATA' });
});

test('temporary failures keep node codes that mailauth reads as temperror, never a "no record" code', async () => {
  const { resolver } = fakeResolver({
    'TXT servfail.test': fail('temporary', 'SERVFAIL'),
    'TXT refused.test': fail('temporary', 'REFUSED'),
    'TXT slow.test': fail('temporary', 'ETIMEOUT'),
  });
  const r = mailauthResolver(resolver);
  await assert.rejects(r('servfail.test', 'TXT'), { code: 'ESERVFAIL' });
  await assert.rejects(r('refused.test', 'TXT'), { code: 'EREFUSED' });
  await assert.rejects(r('slow.test', 'TXT'), { code: 'ETIMEOUT' });
  assert.equal(nodeErrorCode({ kind: 'temporary', code: 'ECONNREFUSED', message: '' }), 'ECONNREFUSED');
  assert.equal(nodeErrorCode({ kind: 'temporary', code: 'ENOTFOUND', message: '' }), 'ESERVFAIL');
  assert.equal(nodeErrorCode({ kind: 'temporary', code: 'EUNKNOWN', message: '' }), 'EUNKNOWN');
  assert.equal(nodeErrorCode({ kind: 'temporary', code: 'WEIRD', message: '' }), 'ESERVFAIL');
});

test('a record type our resolver does not ask fails as ENOTIMP', async () => {
  const { resolver, asked } = fakeResolver({});
  await assert.rejects(mailauthResolver(resolver)('example.test', 'SRV'), { code: 'ENOTIMP' });
  assert.deepEqual(asked, []);
});
