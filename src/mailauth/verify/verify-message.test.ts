import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { dkimSign, type DKIMSignOptions } from 'mailauth';
import { DnsLookupError, type MailauthResolver } from './dns-adapter.js';
import { verifyMessage, type VerifyInput } from './verify-message.js';

// verifyMessage over an in-memory zone (the end-to-end tests use a real DNS
// server): what it reports, and the rows of our Authentication-Results.

const HOST = 'mx.baton.test';

function zoneResolver(zone: Record<string, unknown[] | 'temporary'>): MailauthResolver {
  return async (name, type) => {
    const got = zone[`${type} ${name}`];
    if (got === 'temporary') throw new DnsLookupError('ESERVFAIL', 'test');
    if (!got) throw new DnsLookupError('ENOTFOUND', 'test');
    return got;
  };
}

let privateKey = '';
let publicKey = '';
before(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  publicKey = pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
});

const baseZone = () => ({
  'TXT sender.test': [['v=spf1 ip4:192.0.2.10 -all']],
  'TXT _dmarc.sender.test': [['v=DMARC1; p=reject']],
  'TXT sel._domainkey.sender.test': [[`v=DKIM1; k=rsa; p=${publicKey}`]],
  'TXT helo.test': [['v=spf1 ip4:192.0.2.10 -all']],
});

async function signed(text: string): Promise<Buffer> {
  const message = Buffer.from(text);
  // signTime: mailauth 4.x signs ~1% invalidly without it (STACK.md). Its
  // types describe top-level key fields, its code reads `signatureData`.
  const options = { signTime: new Date(), signatureData: [{ signingDomain: 'sender.test', selector: 'sel', privateKey }] };
  const r = await dkimSign(message, options as unknown as DKIMSignOptions);
  return Buffer.concat([Buffer.from(r.signatures), message]);
}

const MESSAGE = 'From: Alice <alice@sender.test>\r\nTo: bob@rcpt.test\r\nSubject: hi\r\n\r\nHello.\r\n';
const input = (message: Buffer, over: Partial<VerifyInput> = {}): VerifyInput => ({ message, clientIp: '192.0.2.10', helo: 'helo.test', sender: 'alice@sender.test', ...over });

describe('verifyMessage', () => {
  test('SPF and DKIM pass aligned: DMARC passes; each identity has its own spf row', async () => {
    const r = await verifyMessage(input(await signed(MESSAGE)), { hostname: HOST, resolver: zoneResolver(baseZone()) });
    assert.deepEqual(r.spf, { result: 'pass', domain: 'sender.test' });
    assert.deepEqual(r.helo, { result: 'pass', domain: 'helo.test' });
    assert.deepEqual(r.dkim, [{ result: 'pass', domain: 'sender.test' }]);
    assert.deepEqual(r.arc, { result: 'none' });
    assert.deepEqual(r.dmarc, { result: 'pass', domain: 'sender.test', policy: 'reject', pct: 100 });
    assert.equal(r.rows.length, 4);
    assert.match(r.rows[0] ?? '', /^dkim=pass header\.i=@sender\.test header\.s=sel /);
    assert.match(r.rows[1] ?? '', /^spf=pass \(mx\.baton\.test: domain of alice@sender\.test designates 192\.0\.2\.10 as permitted sender\) smtp\.mailfrom=alice@sender\.test$/);
    assert.match(r.rows[2] ?? '', /^spf=pass \(.*\) smtp\.helo=helo\.test$/);
    assert.match(r.rows[3] ?? '', /^dmarc=pass \(p=REJECT arc=none\) header\.from=sender\.test/);
  });

  test('a body changed after signing fails DKIM; from another address SPF fails too, and so does DMARC', async () => {
    const tampered = Buffer.from((await signed(MESSAGE)).toString('latin1').replace('Hello.', 'Hello!'), 'latin1');
    const r = await verifyMessage(input(tampered, { clientIp: '192.0.2.99' }), { hostname: HOST, resolver: zoneResolver(baseZone()) });
    assert.equal(r.dkim[0]?.result, 'fail');
    assert.match(r.rows[0] ?? '', /^dkim=fail \(body hash did not verify\) header\.i=@sender\.test/);
    assert.equal(r.spf.result, 'fail');
    assert.equal(r.dmarc?.result, 'fail');
    assert.equal(r.dmarc?.policy, 'reject');
  });

  test('the null reverse-path is checked as the HELO identity (RFC 7208 §2.4): one spf row, smtp.helo', async () => {
    const r = await verifyMessage(input(Buffer.from(MESSAGE), { sender: null }), { hostname: HOST, resolver: zoneResolver(baseZone()) });
    assert.deepEqual(r.spf, { result: 'pass', domain: 'helo.test' });
    assert.equal(r.helo, undefined);
    assert.deepEqual(r.rows.filter((row) => row.startsWith('spf=')).map((row) => row.replace(/ \(.*\)/, '')), ['spf=pass smtp.helo=helo.test']);
  });

  test('an address-literal HELO gets no HELO check', async () => {
    const r = await verifyMessage(input(Buffer.from(MESSAGE), { helo: '[192.0.2.10]' }), { hostname: HOST, resolver: zoneResolver(baseZone()) });
    assert.equal(r.helo, undefined);
    assert.equal(r.rows.filter((row) => row.startsWith('spf=')).length, 1);
  });

  test('a DMARC fail that a temporary DNS error may have caused is reported as temperror', async () => {
    const zone = { ...baseZone(), 'TXT sender.test': 'temporary' as const };
    const r = await verifyMessage(input(Buffer.from(MESSAGE)), { hostname: HOST, resolver: zoneResolver(zone) });
    assert.equal(r.spf.result, 'temperror');
    assert.equal(r.dmarc?.result, 'temperror');
    assert.match(r.rows.find((row) => row.startsWith('dmarc=')) ?? '', /^dmarc=temperror /);
  });

  test('no DMARC record: none, and nothing to act on', async () => {
    const zone: Record<string, unknown[]> = baseZone();
    delete zone['TXT _dmarc.sender.test'];
    const r = await verifyMessage(input(Buffer.from(MESSAGE), { clientIp: '192.0.2.99' }), { hostname: HOST, resolver: zoneResolver(zone) });
    assert.equal(r.dmarc?.result, 'none');
    assert.equal(r.dmarc?.policy, 'none');
  });
});
