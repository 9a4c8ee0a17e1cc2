import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Replies } from '../../../core/index.js';
import { CachingResolver, type DnsAnswer, type DnsResult, type MxRecord, type QueryOutcome, type RecordResolver } from '../../../dns/index.js';
import { emptyResolver, reputationDeps } from '../../../../test/helpers/reputation-deps.js';
import { sessionFacts } from '../../../../test/helpers/session-facts.js';
import { dnsblCheck } from './dnsbl.js';
import { greylistCheck } from './greylist.js';
import { heloCheck, heloKind } from './helo.js';
import { unknownSenderCheck } from './unknown-sender.js';

type Answers = Readonly<Record<string, readonly string[] | 'servfail' | 'hang'>>;

const fail = (kind: 'nxdomain' | 'nodata' | 'temporary', name: string) => ({ ok: false as const, error: { kind, code: kind.toUpperCase(), message: name } });

/** A resolver answering A lookups from a table: a name absent is NXDOMAIN; 'hang' never answers. */
function tableResolver(a: Answers, mx: Readonly<Record<string, readonly MxRecord[] | 'servfail' | 'nodata'>> = {}): RecordResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    ...emptyResolver,
    asked,
    lookup: (async (name: string) => {
      asked.push(name);
      const got = a[name];
      if (got === 'hang') return new Promise(() => {});
      if (got === 'servfail') return fail('temporary', name);
      if (!got) return fail('nxdomain', name);
      return { ok: true, value: { records: got, ttl: 60, authenticated: false } } satisfies DnsResult<DnsAnswer<string>>;
    }) as RecordResolver['lookup'],
    resolveMx: async (name) => {
      const got = mx[name];
      if (got === 'servfail') return fail('temporary', name);
      if (got === 'nodata') return fail('nodata', name);
      return got ? { ok: true, value: got } : fail('nxdomain', name);
    },
    resolveAddresses: async (name) => {
      const got = a[name];
      if (got === 'servfail' || got === 'hang') return fail('temporary', name);
      return got ? { ok: true, value: got.map((address) => ({ address, family: 4 as const, ttl: 60 })) } : fail('nxdomain', name);
    },
  };
}

const SITES = ['black.example=127.0.0.[2..11]*2', 'grey.example*1', 'white.example=127.0.[0..255].[1..3]*-2'];

async function connect(answers: Answers, config: Record<string, unknown>, over: Partial<Parameters<typeof sessionFacts>[0]> = {}) {
  const deps = reputationDeps({ config: { dnsbl: { sites: SITES, threshold: 2, ...config } }, resolver: tableResolver(answers) });
  return dnsblCheck(deps.dnsbl).run({ session: sessionFacts(over) });
}

describe('dnsbl check', () => {
  test('a client listed with enough weight is refused with 554 5.7.1 naming the list and its IP', async () => {
    const v = await connect({ '1.2.0.192.black.example': ['127.0.0.2'] }, {});
    assert.deepEqual(v, { kind: 'reject', reply: Replies.dnsblListed('192.0.2.1', ['black.example']) });
    assert.equal(Replies.dnsblListed('192.0.2.1', ['black.example']).lines[0], 'Service unavailable; client [192.0.2.1] blocked using black.example');
  });

  test('an answer outside the return-code filter does not count', async () => {
    assert.deepEqual(await connect({ '1.2.0.192.black.example': ['127.0.0.1', '127.0.0.12'] }, {}), { kind: 'continue' });
  });

  test('weights add up to the threshold across lists; below it the client is served', async () => {
    assert.deepEqual(await connect({ '1.2.0.192.grey.example': ['127.0.0.2'] }, {}), { kind: 'continue' }, 'grey alone weighs 1 < 2');
    const v = await connect({ '1.2.0.192.grey.example': ['127.0.0.2'] }, { threshold: 1 });
    assert.equal(v.kind, 'reject');
  });

  test('an allowlist subtracts: listed on black (2) and white (-2) is served', async () => {
    const answers = { '1.2.0.192.black.example': ['127.0.0.2'], '1.2.0.192.white.example': ['127.0.10.2'] };
    assert.deepEqual(await connect(answers, {}), { kind: 'continue' });
  });

  test('every positive list that matched is named', async () => {
    const v = await connect({ '1.2.0.192.black.example': ['127.0.0.3'], '1.2.0.192.grey.example': ['127.0.0.9'] }, {});
    assert.deepEqual(v, { kind: 'reject', reply: Replies.dnsblListed('192.0.2.1', ['black.example', 'grey.example']) });
  });

  test('a list that fails or does not answer in time counts as not listed (fails open)', async () => {
    assert.deepEqual(await connect({ '1.2.0.192.black.example': 'servfail' }, {}), { kind: 'continue' });
    assert.deepEqual(await connect({ '1.2.0.192.black.example': 'hang' }, { timeout: '100ms' }), { kind: 'continue' });
  });

  test('trusted clients are never looked up, and the answer is synchronous', () => {
    const resolver = tableResolver({ '1.2.0.192.black.example': ['127.0.0.2'] });
    const deps = reputationDeps({ config: { dnsbl: { sites: SITES } }, resolver });
    assert.deepEqual(dnsblCheck(deps.dnsbl).run({ session: sessionFacts({ trusted: true }) }), { kind: 'continue' });
    assert.deepEqual(resolver.asked, []);
  });

  test('with no sites nothing is asked and the answer is synchronous', () => {
    const deps = reputationDeps();
    assert.deepEqual(dnsblCheck(deps.dnsbl).run({ session: sessionFacts() }), { kind: 'continue' });
  });

  test('an IPv6 client is asked by nibbles and named as it connected', async () => {
    const name = `1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.black.example`;
    const deps = reputationDeps({ config: { dnsbl: { sites: SITES } }, resolver: tableResolver({ [name]: ['127.0.0.2'] }) });
    const v = await dnsblCheck(deps.dnsbl).run({ session: sessionFacts({ clientIp: '2001:db8::1' }) });
    assert.deepEqual(v, { kind: 'reject', reply: Replies.dnsblListed('2001:db8::1', ['black.example']) });
  });
});

describe('helo check', () => {
  const helo = (name: string, config: Record<string, unknown> = {}, over = {}) =>
    heloCheck(reputationDeps({ config: { helo: config } }).helo).run({ session: sessionFacts(over), helo: { name, extended: true } });

  test('names are classified by RFC 5321 §4.1.1.1 / §4.1.3', () => {
    assert.equal(heloKind('mail.example.com'), 'fqdn');
    assert.equal(heloKind('mail.example.com.'), 'fqdn');
    assert.equal(heloKind('localhost'), 'bare-name');
    assert.equal(heloKind('192.0.2.1'), 'bare-name', 'a bare IP is not a domain: its last label is numeric');
    assert.equal(heloKind('[192.0.2.1]'), 'address-literal');
    assert.equal(heloKind('[IPv6:2001:db8::1]'), 'address-literal');
    assert.equal(heloKind('[2001:db8::1]'), 'invalid', 'IPv6 literals need the tag');
    assert.equal(heloKind('[300.1.1.1]'), 'invalid');
    assert.equal(heloKind('bad_name.example'), 'invalid');
    assert.equal(heloKind('-x.example'), 'invalid');
    assert.equal(heloKind('a..example'), 'invalid');
  });

  test('by default only a stranger claiming our name or address is refused, 550 5.7.1', () => {
    assert.deepEqual(helo('mx.baton.test'), { kind: 'reject', reply: Replies.heloOurName() });
    assert.deepEqual(helo('MX.Baton.Test.'), { kind: 'reject', reply: Replies.heloOurName() });
    assert.deepEqual(helo('[192.0.2.25]'), { kind: 'reject', reply: Replies.heloOurName() });
    assert.deepEqual(helo('192.0.2.25'), { kind: 'reject', reply: Replies.heloOurName() });
    assert.deepEqual(helo('[IPv6:2001:db8:0::25]'), { kind: 'reject', reply: Replies.heloOurName() });
    assert.deepEqual(helo('bad_name'), { kind: 'continue' });
    assert.deepEqual(helo('localhost'), { kind: 'continue' });
    assert.deepEqual(helo('client.example'), { kind: 'continue' });
  });

  test('rejectInvalid answers 501 5.5.2 and rejectNonFqdn 504 5.5.2', () => {
    assert.deepEqual(helo('bad_name.example', { rejectInvalid: true }), { kind: 'reject', reply: Replies.heloInvalid() });
    assert.deepEqual(helo('localhost', { rejectInvalid: true }), { kind: 'continue' });
    assert.deepEqual(helo('localhost', { rejectNonFqdn: true }), { kind: 'reject', reply: Replies.heloNotFqdn() });
    assert.deepEqual(helo('[192.0.2.7]', { rejectNonFqdn: true, rejectInvalid: true }), { kind: 'continue' });
  });

  test('trusted and authenticated clients are not judged', () => {
    assert.deepEqual(helo('mx.baton.test', {}, { trusted: true }), { kind: 'continue' });
    assert.deepEqual(helo('x', { rejectNonFqdn: true }, { user: { name: 'u', domains: [] } }), { kind: 'continue' });
  });
});

describe('unknown-sender check', () => {
  const resolver = tableResolver(
    { 'a-only.example': ['192.0.2.5'], 'broken-a.example': 'servfail' },
    {
      'mx.example': [{ exchange: 'mx1.mx.example', preference: 10 }],
      'nullmx.example': [{ exchange: '', preference: 0 }],
      'a-only.example': 'nodata',
      'no-records.example': 'nodata',
      'broken.example': 'servfail',
      'broken-a.example': 'nodata',
    },
  );
  const check = unknownSenderCheck({ ...reputationDeps().unknownSender, resolver });
  const mail = (domain: string | null, over = {}) =>
    check.run({ session: sessionFacts(over), sender: domain === null ? null : { local: 'someone', domain }, params: {} });

  test('a domain with an MX, or with only an address (implicit MX), is accepted', async () => {
    assert.deepEqual(await mail('mx.example'), { kind: 'continue' });
    assert.deepEqual(await mail('a-only.example'), { kind: 'continue' });
  });

  test('NXDOMAIN, or no MX and no address, is refused with 550 5.1.8', async () => {
    assert.deepEqual(await mail('nx.example'), { kind: 'reject', reply: Replies.senderDomainUnknown() });
    assert.deepEqual(await mail('no-records.example'), { kind: 'reject', reply: Replies.senderDomainUnknown() });
  });

  test('a null MX is refused with 550 5.7.27 (RFC 7505 §4.2)', async () => {
    assert.deepEqual(await mail('nullmx.example'), { kind: 'reject', reply: Replies.senderNullMx() });
  });

  test('a DNS failure, of the MX or of the address lookup, is 450 4.1.8', async () => {
    assert.deepEqual(await mail('broken.example'), { kind: 'defer', reply: Replies.senderDomainTemporary() });
    assert.deepEqual(await mail('broken-a.example'), { kind: 'defer', reply: Replies.senderDomainTemporary() });
  });

  test('the null sender, trusted and authenticated clients, and address literals are exempt', async () => {
    assert.deepEqual(await mail(null), { kind: 'continue' });
    assert.deepEqual(await mail('nx.example', { trusted: true }), { kind: 'continue' });
    assert.deepEqual(await mail('nx.example', { user: { name: 'u', domains: [] } }), { kind: 'continue' });
    assert.deepEqual(await mail('[192.0.2.1]'), { kind: 'continue' });
  });
});

describe('greylist check', () => {
  const MIN = 60_000;
  const rcpt = (clientIp: string, over = {}) => ({
    session: sessionFacts({ clientIp, ...over }),
    sender: { local: 'sender', domain: 'example.org' },
    params: {},
    recipient: { address: { local: 'user', domain: 'example.com' } },
    accepted: [],
  });

  function greylist(config: Record<string, unknown> = {}, answers: Answers = {}) {
    let now = 1_800_000_000_000;
    const clock = { now: () => now };
    const deps = reputationDeps({ config: { greylist: { delay: '5m', allowlistAfter: 1, ...config }, dnsbl: { sites: SITES } }, clock, resolver: tableResolver(answers) });
    const check = greylistCheck(deps.greylist);
    return { run: (ip: string, over = {}) => check.run(rcpt(ip, over)), advance: (ms: number) => (now += ms) };
  }

  test('with a fake clock: 451 4.7.1, 451 before the delay, then passed, then the network is allowlisted', async () => {
    const g = greylist();
    assert.deepEqual(await g.run('192.0.2.1'), { kind: 'defer', reply: Replies.greylisted() });
    g.advance(5 * MIN - 1);
    assert.deepEqual(await g.run('192.0.2.1'), { kind: 'defer', reply: Replies.greylisted() });
    g.advance(1);
    assert.deepEqual(await g.run('192.0.2.77'), { kind: 'continue' }, 'another address of the same /24 retries');
    assert.deepEqual(await g.run('192.0.2.9', {}), { kind: 'continue' });
    assert.deepEqual(await g.run('198.51.100.1'), { kind: 'defer', reply: Replies.greylisted() }, 'another network starts over');
  });

  test('a client on a DNS allowlist is not greylisted; trusted and authenticated clients neither (synchronously)', async () => {
    const g = greylist({}, { '1.2.0.192.white.example': ['127.0.5.1'] });
    assert.deepEqual(await g.run('192.0.2.1'), { kind: 'continue' });
    assert.deepEqual(await g.run('192.0.2.2'), { kind: 'defer', reply: Replies.greylisted() });
    assert.deepEqual(g.run('198.51.100.1', { trusted: true }), { kind: 'continue' });
    assert.deepEqual(g.run('198.51.100.1', { user: { name: 'u', domains: [] } }), { kind: 'continue' });
  });
});

describe('DNS list answers are cached for their TTL (through the CachingResolver)', () => {
  test('a client that reconnects within the TTL costs no query; after it, the list is asked again', async () => {
    let now = 1_800_000_000_000;
    const asked: string[] = [];
    const querier = {
      query: async (name: string): Promise<QueryOutcome> => {
        asked.push(name);
        return { ok: true, message: { rcode: 'NOERROR', truncated: false, authenticated: false, authorities: [], answers: [{ type: 'A', name, ttl: 300, class: 'IN', data: '127.0.0.2' }] } };
      },
    };
    const resolver = new CachingResolver({ timeout: 1000, clock: { now: () => now }, querier });
    const deps = reputationDeps({ config: { dnsbl: { sites: ['black.example'] } }, resolver });
    const check = dnsblCheck(deps.dnsbl);
    assert.equal((await check.run({ session: sessionFacts() })).kind, 'reject');
    now += 299_000;
    assert.equal((await check.run({ session: sessionFacts() })).kind, 'reject');
    assert.deepEqual(asked, ['1.2.0.192.black.example']);
    now += 2_000;
    await check.run({ session: sessionFacts() });
    assert.equal(asked.length, 2, 'asked again once the TTL ran out');
  });
});
