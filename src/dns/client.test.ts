import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as packet from 'dns-packet';
import { DnsClient, type QueryOutcome } from './client.js';
import { answer, startScriptedDnsServer, withRcode, type DecodedQuery, type Script, type ScriptedDnsServer } from '../../test/helpers/scripted-dns-server.js';
import { parseServer, type DnsServer } from './servers.js';

// The client against scripted DNS servers on 127.0.0.1 (UDP and TCP on one port).
const started: ScriptedDnsServer[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

async function serve(script: Script): Promise<ScriptedDnsServer & { at: DnsServer }> {
  const srv = await startScriptedDnsServer(script);
  started.push(srv);
  return { ...srv, at: parseServer(srv.server) as DnsServer };
}

const a = (q: DecodedQuery, address: string, ttl = 60): packet.Answer => ({ type: 'A', name: q.questions?.[0]?.name ?? '', ttl, data: address });
const addresses = (got: QueryOutcome) => (got.ok ? got.message.answers.map((r) => (r.type === 'A' ? r.data : r.type)) : got.error);

test('a query carries EDNS0 with the DO bit, and the AD bit of the reply is reported', async () => {
  const srv = await serve((q) => [answer(q, { flags: packet.RECURSION_AVAILABLE | packet.AUTHENTIC_DATA, answers: [a(q, '192.0.2.1')] })]);
  const got = await new DnsClient({ servers: [srv.at], timeout: 2000 }).query('host.test', 'A');
  assert.ok(got.ok, JSON.stringify(got));
  assert.equal(got.message.authenticated, true);
  assert.deepEqual(addresses(got), ['192.0.2.1']);
  const opt = srv.queries[0]?.query.additionals?.find((r) => r.type === 'OPT');
  assert.ok(opt && opt.type === 'OPT', 'an OPT record is sent (RFC 6891)');
  assert.equal(opt.flag_do, true, 'DO is set (RFC 3225)');
  assert.equal(opt.udpPayloadSize, 1232);
});

test('a truncated UDP answer is asked again over TCP, and the TCP answer is used', async () => {
  const srv = await serve((q, via) =>
    via === 'udp'
      ? [answer(q, { flags: packet.RECURSION_AVAILABLE | packet.TRUNCATED_RESPONSE, answers: [a(q, '192.0.2.99')] })]
      : [answer(q, { answers: [a(q, '192.0.2.1'), a(q, '192.0.2.2')] })],
  );
  const got = await new DnsClient({ servers: [srv.at], timeout: 2000 }).query('big.test', 'A');
  assert.deepEqual(addresses(got), ['192.0.2.1', '192.0.2.2']);
  assert.deepEqual(srv.queries.map((x) => x.via), ['udp', 'tcp']);
  assert.equal(srv.queries[1]?.query.id, srv.queries[0]?.query.id, 'the same query, resent');
});

test('replies with a wrong id or a wrong question are ignored; the real reply that follows is used', async () => {
  const srv = await serve((q) => [
    answer(q, { id: ((q.id ?? 0) + 1) & 0xffff, answers: [a(q, '192.0.2.66')] }),
    answer(q, { questions: [{ type: 'A', name: 'other.test' }], answers: [a(q, '192.0.2.67')] }),
    answer(q, { questions: [{ type: 'AAAA', name: 'host.test' }], answers: [a(q, '192.0.2.68')] }),
    answer(q, { answers: [a(q, '192.0.2.1')] }),
  ]);
  const got = await new DnsClient({ servers: [srv.at], timeout: 2000 }).query('host.test', 'A');
  assert.deepEqual(addresses(got), ['192.0.2.1']);
});

test('a reply with a wrong id alone is never believed: the lookup times out as temporary', async () => {
  const srv = await serve((q) => [answer(q, { id: ((q.id ?? 0) + 1) & 0xffff, answers: [a(q, '192.0.2.66')] })]);
  const got = await new DnsClient({ servers: [srv.at], timeout: 300 }).query('host.test', 'A');
  assert.ok(!got.ok && got.error.kind === 'temporary' && got.error.code === 'ETIMEOUT', JSON.stringify(got));
  assert.equal(srv.queries.length, 2, 'asked twice (two tries), each with its own id');
  assert.notEqual(srv.queries[0]?.query.id, srv.queries[1]?.query.id);
});

test('SERVFAIL and REFUSED are temporary; the next server is asked and its answer used', async () => {
  const servfail = await serve((q) => [answer(q, { flags: withRcode(2) })]);
  const refused = await serve((q) => [answer(q, { flags: withRcode(5) })]);
  const good = await serve((q) => [answer(q, { answers: [a(q, '192.0.2.1')] })]);
  const only = await new DnsClient({ servers: [servfail.at], timeout: 2000 }).query('host.test', 'A');
  assert.ok(!only.ok && only.error.kind === 'temporary' && only.error.code === 'SERVFAIL', JSON.stringify(only));
  const ref = await new DnsClient({ servers: [refused.at], timeout: 2000 }).query('host.test', 'A');
  assert.ok(!ref.ok && ref.error.kind === 'temporary' && ref.error.code === 'REFUSED', JSON.stringify(ref));
  const next = await new DnsClient({ servers: [servfail.at, refused.at, good.at], timeout: 2000 }).query('host.test', 'A');
  assert.deepEqual(addresses(next), ['192.0.2.1']);
});

test('a silent server costs one try; the next server answers', async () => {
  const silent = await serve(() => []);
  const good = await serve((q) => [answer(q, { answers: [a(q, '192.0.2.1')] })]);
  const got = await new DnsClient({ servers: [silent.at, good.at], timeout: 400 }).query('host.test', 'A');
  assert.deepEqual(addresses(got), ['192.0.2.1']);
  assert.equal(silent.queries.length, 1);
});

test('NXDOMAIN is an answer, not a failure; a name that cannot exist is not sent at all', async () => {
  const srv = await serve((q) => [answer(q, { flags: withRcode(3) })]);
  const client = new DnsClient({ servers: [srv.at], timeout: 2000 });
  const nx = await client.query('nope.test', 'MX');
  assert.ok(nx.ok && nx.message.rcode === 'NXDOMAIN', JSON.stringify(nx));
  for (const bad of ['a..test', `${'x'.repeat(64)}.test`, 'ünï.test', 'sp ace.test', '']) {
    const got = await client.query(bad, 'MX');
    assert.ok(!got.ok && got.error.kind === 'nxdomain' && got.error.code === 'EBADNAME', `${bad}: ${JSON.stringify(got)}`);
  }
  assert.equal(srv.queries.length, 1);
});
