import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queueBody, queueList, queueShow, queuedId, startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { pySend, pythonDir, runCommand, type SendResult } from '../helpers/clients.js';
import { startDnsmasq, type DnsmasqHandle } from '../helpers/dnsmasq.js';

/**
 * Inbound authentication on mx (issue 8): real SPF, DKIM, DMARC and ARC records
 * served by dnsmasq on loopback, mail signed by Debian's python3-dkim (dkimpy),
 * sent by Python's smtplib from 127.0.0.x source addresses, and the verdicts and
 * the Authentication-Results field Baton stores.
 *
 *   127.0.0.2  allowed by sender.test's SPF record
 *   127.0.0.3  not allowed by any record
 *   127.0.0.4  the mailing lists' server (list.test, other-list.test)
 *   127.0.0.9  the only trusted network
 */

const SPF_PASS_IP = '127.0.0.2';
const OUTSIDE_IP = '127.0.0.3';
const LIST_IP = '127.0.0.4';
const TRUSTED_IP = '127.0.0.9';

let dns: DnsmasqHandle;
let b: Baton;
let keyFile = '';

/** A TXT record's value as character-strings of at most 255 bytes (RFC 1035 §3.3.14); DKIM keys are longer. */
function txt(value: string): string[] {
  return value.match(/.{1,200}/g) ?? [];
}

async function run(cmd: string, args: readonly string[], input?: string): Promise<string> {
  const r = await runCommand(cmd, args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** dkimpy's DKIM-Signature (kind dkim) or ARC set (kind arc), put on top of `message`. */
async function sign(message: string, kind: 'dkim' | 'arc', domain: string, selector: string, srvId?: string): Promise<string> {
  const args = [join(pythonDir, 'dkim_sign.py'), kind, domain, selector, keyFile, ...(srvId ? [srvId] : [])];
  return (await run('/usr/bin/python3', args, message)) + message;
}

function message(from: string, subject: string, extraHeader = ''): string {
  return `${extraHeader}From: ${from}\r\nTo: user@local.test\r\nSubject: ${subject}\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W+/g, '-')}@client.test>\r\n\r\nHello.\r\n`;
}

function send(source: string, mailFrom: string, data: string): Promise<SendResult> {
  return pySend({ port: b.ports.mx as number, source, ehlo: 'client.test', mail_from: mailFrom, rcpts: [{ to: 'user@local.test' }], data });
}

/** Sent and accepted: the stored message (our Received on top). */
async function accepted(source: string, mailFrom: string, data: string): Promise<string> {
  const r = await send(source, mailFrom, data);
  assert.equal(r.data?.[0], 250, JSON.stringify(r));
  const id = queuedId(r.data?.[1] ?? '');
  assert.ok(id);
  return ((await queueBody(b, id)) ?? Buffer.alloc(0)).toString('latin1');
}

/** Our Authentication-Results field, unfolded; asserts there is exactly one. */
function ours(stored: string): string {
  const fields = stored.slice(0, stored.indexOf('\r\n\r\n') + 2).replace(/\r\n[ \t]/g, ' ').split('\r\n');
  const found = fields.filter((f) => /^Authentication-Results:\s*baton\.test;/i.test(f));
  assert.equal(found.length, 1, `one Authentication-Results of ours in:\n${stored.slice(0, 2000)}`);
  return found[0] as string;
}

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'baton-auth-'));
  keyFile = join(dir, 'dkim.pem');
  await run('openssl', ['genrsa', '-traditional', '-out', keyFile, '2048']);
  const publicKey = await publicKeyBase64(keyFile);
  const dkimKey = [txt(`v=DKIM1; k=rsa; p=${publicKey}`)];
  dns = await startDnsmasq({
    txt: {
      'sender.test': [['v=spf1 ip4:127.0.0.2 -all']],
      '_dmarc.sender.test': [['v=DMARC1; p=reject']],
      'sel._domainkey.sender.test': dkimKey,
      'soft.test': [['v=spf1 ip4:127.0.0.2 ~all']],
      'quarantine.test': [['v=spf1 ip4:127.0.0.2 -all']],
      '_dmarc.quarantine.test': [['v=DMARC1; p=quarantine']],
      'list.test': [['v=spf1 ip4:127.0.0.4 -all']],
      'arc._domainkey.list.test': dkimKey,
      'other-list.test': [['v=spf1 ip4:127.0.0.4 -all']],
      'arc._domainkey.other-list.test': dkimKey,
    },
  });
  b = await startBaton({
    config: {
      listeners: [{ role: 'mx' }],
      localDomains: ['local.test'],
      relay: { trustedNetworks: [`${TRUSTED_IP}/32`] },
      ...(await undeliverable()),
      dns: { servers: [dns.server], timeout: '2s' },
      auth: { dmarc: { honourQuarantine: 'hold' }, arc: { trustedSealers: ['list.test'] } },
    },
  });
});

after(async () => {
  await b?.stop();
  await dns?.stop();
});

/** The DER public key, base64, as a DKIM key record's p= (RFC 6376 §3.6.1). */
async function publicKeyBase64(file: string): Promise<string> {
  const der = await runCommand('sh', ['-c', `openssl rsa -in '${file}' -pubout -outform DER 2>/dev/null | base64 -w0`]);
  if (der.code !== 0 || der.stdout === '') throw new Error(`public key: ${der.stderr}`);
  return der.stdout.trim();
}

describe('inbound authentication on mx', () => {
  test('SPF pass from an address in the record; DMARC passes through aligned SPF', async () => {
    const ar = ours(await accepted(SPF_PASS_IP, 'alice@sender.test', message('alice@sender.test', 'spf pass')));
    assert.match(ar, /; spf=pass \(baton\.test: domain of alice@sender\.test designates 127\.0\.0\.2 as permitted sender\) smtp\.mailfrom=alice@sender\.test;/);
    assert.match(ar, /; dmarc=pass \(p=REJECT arc=none\) header\.from=sender\.test/);
    assert.match(ar, /dkim=none \(message not signed\)/);
  });

  test('SPF fail and softfail from an address outside the record are accepted with the result in the header', async () => {
    const soft = ours(await accepted(OUTSIDE_IP, 'bob@soft.test', message('bob@soft.test', 'spf softfail')));
    assert.match(soft, /; spf=softfail \(.*\) smtp\.mailfrom=bob@soft\.test;/);
    const hard = ours(await accepted(OUTSIDE_IP, 'carol@quarantine.test', message('someone@unrelated.test', 'spf fail')));
    assert.match(hard, /; spf=fail \(baton\.test: domain of carol@quarantine\.test does not designate 127\.0\.0\.3 as permitted sender\) smtp\.mailfrom=carol@quarantine\.test;/);
  });

  test('a dkimpy signature verifies and carries DMARC from outside the SPF record; a body changed after signing is dkim=fail', async () => {
    const signed = await sign(message('alice@sender.test', 'dkim pass'), 'dkim', 'sender.test', 'sel');
    const pass = ours(await accepted(OUTSIDE_IP, 'alice@sender.test', signed));
    assert.match(pass, /; dkim=pass header\.i=@sender\.test header\.s=sel header\.a=rsa-sha256 /);
    assert.match(pass, /; spf=fail /);
    assert.match(pass, /; dmarc=pass /);
    const tampered = (await sign(message('alice@sender.test', 'dkim tampered'), 'dkim', 'sender.test', 'sel')).replace('Hello.', 'Hello, changed.');
    const fail = ours(await accepted(SPF_PASS_IP, 'alice@sender.test', tampered));
    assert.match(fail, /; dkim=fail \(body hash did not verify\) header\.i=@sender\.test/);
    assert.match(fail, /; dmarc=pass /, 'aligned SPF still passes DMARC');
  });

  test('DMARC fail under p=reject gets 550 5.7.1 naming DMARC, and nothing is queued', async () => {
    const before = (await queueList(b)).length;
    const tampered = (await sign(message('alice@sender.test', 'dmarc reject'), 'dkim', 'sender.test', 'sel')).replace('Hello.', 'Hello, changed.');
    const r = await send(OUTSIDE_IP, 'alice@sender.test', tampered);
    assert.equal(r.data?.[0], 550, JSON.stringify(r));
    assert.match(r.data?.[1] ?? '', /^5\.7\.1 .*DMARC/);
    assert.equal((await queueList(b)).length, before);
  });

  test('DMARC fail under p=quarantine with honourQuarantine hold is queued held until released', async () => {
    const r = await send(OUTSIDE_IP, 'carol@quarantine.test', message('carol@quarantine.test', 'quarantined'));
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    const id = queuedId(r.data?.[1] ?? '') as string;
    const shown = await queueShow(b, id);
    assert.equal(shown.held, true, JSON.stringify(shown));
    assert.match(JSON.stringify(shown), /mail-auth: dmarc=fail \(p=quarantine\) header\.from=quarantine\.test/);
    assert.match(ours(((await queueBody(b, id)) ?? Buffer.alloc(0)).toString('latin1')), /; dmarc=fail \(p=QUARANTINE arc=none\) header\.from=quarantine\.test/);
    const released = await b.cli(['queue', 'release', id]);
    assert.equal(released.code, 0, released.stderr);
    assert.equal((await queueShow(b, id)).held, false);
  });

  test("an Authentication-Results claiming our hostname is removed; another server's is kept", async () => {
    const forged = 'Authentication-Results: BATON.test; dmarc=pass header.from=sender.test\r\n';
    const theirs = 'Authentication-Results: other.test; spf=pass smtp.mailfrom=alice@sender.test\r\n';
    const stored = await accepted(SPF_PASS_IP, 'alice@sender.test', message('alice@sender.test', 'forged results', forged + theirs));
    assert.ok(!stored.includes(forged), stored);
    assert.ok(stored.includes(theirs), stored);
    assert.match(ours(stored), /; dmarc=pass /);
  });

  test('a trusted client gets no check: no Authentication-Results and no DNS lookup of its domains', async () => {
    const stored = await accepted(TRUSTED_IP, 'app@trusted-only.test', message('app@trusted-only.test', 'trusted'));
    assert.ok(!/^Authentication-Results:/im.test(stored.slice(0, stored.indexOf('\r\n\r\n'))), stored);
    assert.ok(!dns.log().includes('trusted-only.test'), 'no query for the trusted sender');
  });

  test("a list's valid ARC chain keeps arc=pass; a trusted sealer that saw DMARC pass lets the list's copy of a p=reject message in", async () => {
    // The list saw the original pass, then changed the subject (breaking the
    // author's DKIM signature) and sends from its own server and bounce address.
    const original = await sign(message('alice@sender.test', 'to the list'), 'dkim', 'sender.test', 'sel');
    const listAr = (id: string) => `Authentication-Results: ${id}; dkim=pass header.d=sender.test; spf=pass smtp.mailfrom=sender.test; dmarc=pass header.from=sender.test\r\n`;
    const relayed = (id: string) => (listAr(id) + original).replace('Subject: to the list', `Subject: [${id}] to the list`);
    const stored = await accepted(LIST_IP, `bounces@list.test`, await sign(relayed('list.test'), 'arc', 'list.test', 'arc', 'list.test'));
    const ar = ours(stored);
    assert.match(ar, /; arc=pass \(i=1 /);
    assert.match(ar, /; dkim=fail /);
    assert.match(ar, /; dmarc=fail \(p=REJECT arc=pass\) header\.from=sender\.test/);
    assert.ok(stored.includes(listAr('list.test')), "the list's own results are kept");

    const untrusted = await send(LIST_IP, 'bounces@other-list.test', await sign(relayed('other-list.test'), 'arc', 'other-list.test', 'arc', 'other-list.test'));
    assert.equal(untrusted.data?.[0], 550, `a sealer not in auth.arc.trustedSealers does not override: ${JSON.stringify(untrusted)}`);
  });
});
