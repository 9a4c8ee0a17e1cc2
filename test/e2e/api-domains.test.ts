import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DecodedQuery } from '../helpers/scripted-dns-server.js';
import { answer, startScriptedDnsServer, withRcode, type ScriptedDnsServer } from '../helpers/scripted-dns-server.js';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';

/**
 * The domains route with the real curl against a DNS server on loopback whose
 * zone the test edits (test/helpers/scripted-dns-server.ts): a DKIM key made
 * with the real `baton dkim keygen` shows as missing, then as published once
 * the DNS server has its record; SPF, DMARC and MX are compared by meaning.
 */
describe('API: domains and the DNS records to publish', { timeout: 90_000 }, () => {
  let dns: ScriptedDnsServer;
  let api: ApiBaton;
  /** The zone: "name TYPE" → records (TXT: strings of one record; MX: [preference, exchange]). */
  const zone = new Map<string, unknown[]>();
  const NXDOMAIN = 3;

  before(async () => {
    zone.set('_dmarc.brand.test TXT', [['v=DMARC1; p=quarantine; rua=mailto:d@brand.test']]);
    zone.set('brand.test TXT', [['v=spf1 ip4:192.0.2.1 ~all'], ['google-site-verification=x']]);
    zone.set('local.test MX', [[10, 'baton.test']]);
    zone.set('bounce.test MX', [[10, 'mx.elsewhere.test']]);
    dns = await startScriptedDnsServer((q: DecodedQuery) => {
      const question = q.questions?.[0];
      if (!question) return [];
      const name = question.name.toLowerCase();
      const records = zone.get(`${name} ${question.type}`);
      const exists = [...zone.keys()].some((k) => k.startsWith(`${name} `));
      if (!records) return [answer(q, { flags: withRcode(exists ? 0 : NXDOMAIN) })];
      const answers = records.map((data) =>
        question.type === 'MX'
          ? { type: 'MX' as const, name, ttl: 60, data: { preference: (data as [number, string])[0], exchange: (data as [number, string])[1] } }
          : { type: 'TXT' as const, name, ttl: 60, data: data as string[] },
      );
      return [answer(q, { answers: answers as never })];
    });
    api = await startApiBaton({
      config: {
        listeners: [{ role: 'mx' }],
        dns: { servers: [dns.server], timeout: '2s' },
        dkim: { secret: 'domains-test-secret-0123456789' },
        localDomains: ['local.test', '*.wild.test'],
        bounces: { domain: 'bounce.test', secrets: [{ id: 'k1', secret: 'bounce-secret-0123456789' }] },
      },
    });
  });
  after(async () => {
    try {
      await api?.stop();
    } finally {
      await dns?.stop();
    }
  });

  const domain = async (name: string) => {
    const r = await api.curl(`/api/v1/domains/${name}`);
    assert.equal(r.status, 200, r.text);
    return r.body as { domain: string; roles: string[]; records: { name: string; type: string; value: string; purpose: string; status: string; found?: string[] }[] };
  };
  const record = (d: Awaited<ReturnType<typeof domain>>, purpose: string) => d.records.find((r) => r.purpose === purpose);

  test('a new DKIM key is missing from DNS, then published once the DNS server has its record; SPF and DMARC compared by meaning', async () => {
    const made = await api.baton.cli(['dkim', 'keygen', 'brand.test', '--selector', 's1']);
    assert.equal(made.code, 0, made.stderr);
    const before = await domain('brand.test');
    assert.deepEqual(before.roles, ['dkim']);
    const dkim = record(before, 'dkim');
    assert.ok(dkim);
    assert.equal(dkim.name, 's1._domainkey.brand.test');
    assert.equal(dkim.type, 'TXT');
    assert.match(dkim.value, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    assert.equal(dkim.status, 'missing');
    // SPF exists but Baton knows no public address of its own (loopback listener): present is all it can check.
    assert.equal(record(before, 'spf')?.status, 'published');
    assert.deepEqual(record(before, 'spf')?.found, ['v=spf1 ip4:192.0.2.1 ~all']);
    assert.equal(record(before, 'dmarc')?.status, 'published', 'any DMARC1 policy counts');
    assert.match(record(before, 'dmarc')?.value ?? '', /^v=DMARC1; p=none; rua=mailto:/);

    // Published as a DNS operator would: the value in strings of at most 255 bytes (RFC 1035 §3.3.14).
    const p = dkim.value;
    zone.set('s1._domainkey.brand.test TXT', [[p.slice(0, 255), p.slice(255)]]);
    assert.equal(record(await domain('brand.test'), 'dkim')?.status, 'published');

    zone.set('s1._domainkey.brand.test TXT', [['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAother']]);
    const other = record(await domain('brand.test'), 'dkim');
    assert.equal(other?.status, 'different');
    assert.equal(other?.found?.length, 1);
  });

  test('the list names every domain with its roles: MX for local and bounce domains, patterns left out; an unknown domain is 404', async () => {
    const r = await api.curl('/api/v1/domains');
    assert.equal(r.status, 200, r.text);
    const byName = new Map((r.body.domains as Awaited<ReturnType<typeof domain>>[]).map((d) => [d.domain, d]));
    assert.deepEqual([...byName.keys()].sort(), ['bounce.test', 'brand.test', 'local.test']);
    const local = byName.get('local.test');
    assert.deepEqual(local?.records.map((x) => [x.purpose, x.type, x.value, x.status]), [['mx', 'MX', '10 baton.test.', 'published']]);
    const bounce = byName.get('bounce.test');
    assert.deepEqual(bounce?.roles, ['bounce']);
    assert.equal(record(bounce as never, 'mx')?.status, 'different');
    assert.deepEqual(record(bounce as never, 'mx')?.found, ['10 mx.elsewhere.test.']);
    assert.equal(record(bounce as never, 'spf')?.status, 'missing', 'the return-path domain is the SPF-checked MAIL FROM domain');
    const unknown = await api.curl('/api/v1/domains/nope.test');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.detail, /baton dkim keygen nope\.test/);
  });
});
