import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DnsMessage, WireRecord } from './message.js';
import { readAnswer } from './records.js';

const msg = (answers: WireRecord[], extra: Partial<DnsMessage> = {}): DnsMessage => ({
  rcode: 'NOERROR',
  truncated: false,
  authenticated: false,
  answers,
  authorities: [],
  ...extra,
});
const soa = (ttl: number, minimum: number): WireRecord => ({
  type: 'SOA',
  name: 'example.test',
  ttl,
  data: { mname: 'ns.example.test', rname: 'hostmaster.example.test', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum },
});

test('the RRset at the end of the CNAME chain is the answer; its TTL is the smallest on the way', () => {
  const got = readAnswer(
    msg([
      { type: 'CNAME', name: 'www.example.test', ttl: 100, data: 'Edge.CDN.test.' },
      { type: 'A', name: 'unrelated.test', ttl: 999, data: '192.0.2.66' },
      { type: 'A', name: 'edge.cdn.test', ttl: 300, data: '192.0.2.1' },
      { type: 'A', name: 'edge.cdn.test', ttl: 200, data: '192.0.2.2' },
    ]),
    'www.example.test',
    'A',
  );
  assert.deepEqual(got.result.ok ? got.result.value : got.result, { records: ['192.0.2.1', '192.0.2.2'], ttl: 100, authenticated: false });
  assert.equal(got.ttl, 100);
});

test('records for another name are not the answer: they make NODATA', () => {
  const got = readAnswer(msg([{ type: 'MX', name: 'other.test', ttl: 60, data: { preference: 1, exchange: 'mx.other.test' } }]), 'example.test', 'MX');
  assert.ok(!got.result.ok && got.result.error.kind === 'nodata');
});

test('MX exchanges are lower case without the trailing dot; the root is "" (null MX)', () => {
  const got = readAnswer(
    msg([
      { type: 'MX', name: 'Example.Test', ttl: 60, data: { preference: 10, exchange: 'MX1.Example.Test.' } },
      { type: 'MX', name: 'example.test', ttl: 60, data: { preference: 0, exchange: '.' } },
    ]),
    'example.test',
    'MX',
  );
  assert.deepEqual(got.result.ok ? got.result.value.records : got.result, [
    { exchange: 'mx1.example.test', preference: 10 },
    { exchange: '', preference: 0 },
  ]);
});

test('TXT records keep their strings apart; TLSA records come with the AD bit of the reply', () => {
  const txt = readAnswer(msg([{ type: 'TXT', name: 't.test', ttl: 60, data: [Buffer.from('v=spf1 '), Buffer.from('-all')] }]), 't.test', 'TXT');
  assert.deepEqual(txt.result.ok ? txt.result.value.records : txt.result, [['v=spf1 ', '-all']]);
  const cert = Buffer.from('c0ffee', 'hex');
  const tlsa = readAnswer(
    msg([{ type: 'TLSA', name: '_25._tcp.mx.test', ttl: 60, data: { usage: 3, selector: 1, matchingType: 1, certificate: cert } }], { authenticated: true }),
    '_25._tcp.mx.test',
    'TLSA',
  );
  assert.deepEqual(tlsa.result.ok ? tlsa.result.value : tlsa.result, { records: [{ usage: 3, selector: 1, matchingType: 1, data: cert }], ttl: 60, authenticated: true });
});

test('PTR targets are lower case without the trailing dot', () => {
  const ptr = readAnswer(msg([{ type: 'PTR', name: '2.0.0.127.in-addr.arpa', ttl: 60, data: 'Host.Example.Test.' }]), '2.0.0.127.in-addr.arpa', 'PTR');
  assert.deepEqual(ptr.result.ok ? ptr.result.value.records : ptr.result, ['host.example.test']);
});

test('a negative answer lives for the smaller of the SOA TTL and its MINIMUM (RFC 2308 §5); without an SOA it has no TTL', () => {
  const nx = readAnswer(msg([], { rcode: 'NXDOMAIN', authorities: [soa(900, 300)] }), 'nope.test', 'MX');
  assert.ok(!nx.result.ok && nx.result.error.kind === 'nxdomain');
  assert.equal(nx.ttl, 300);
  const nodata = readAnswer(msg([], { authorities: [soa(120, 3600)] }), 'host.test', 'MX');
  assert.ok(!nodata.result.ok && nodata.result.error.kind === 'nodata');
  assert.equal(nodata.ttl, 120);
  assert.equal(readAnswer(msg([], { rcode: 'NXDOMAIN' }), 'nope.test', 'MX').ttl, undefined);
});

test('a CNAME loop ends as NODATA, not a hang', () => {
  const got = readAnswer(
    msg([
      { type: 'CNAME', name: 'a.test', ttl: 60, data: 'b.test' },
      { type: 'CNAME', name: 'b.test', ttl: 60, data: 'a.test' },
    ]),
    'a.test',
    'A',
  );
  assert.ok(!got.result.ok && got.result.error.kind === 'nodata');
});
