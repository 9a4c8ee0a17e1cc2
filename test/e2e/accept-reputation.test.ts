import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { cmds, dialog, pySend, replies, swaks, type SendResult } from '../helpers/clients.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { startDnsmasq, type DnsmasqHandle } from '../helpers/dnsmasq.js';

/**
 * Client reputation on mx (issue 10 part B): DNS lists (DNSBL/DNSWL) and
 * sender domains served by a real DNS server (Debian's dnsmasq) on loopback,
 * HELO checks and greylisting, with real clients (Python's smtplib, swaks,
 * dialog.py) connecting from 127.0.0.x source addresses.
 *
 * Lists: black.test=127.0.0.[2..11]*2, grey.test*1, grey2.test*1,
 * white.test=127.0.[0..255].[1..3]*-2, slow.test (never answers); threshold 2.
 *
 *   127.0.0.5   on black (127.0.0.2)                       → refused, black.test named
 *   127.0.0.6   on black, but answer 127.0.0.1 (filtered)  → served
 *   127.0.0.7   on black and white                         → served (2 - 2 = 0)
 *   127.0.0.8   on grey only                               → served (1 < 2)
 *   127.0.0.13  on grey and grey2                          → refused, both named
 *   127.0.0.9   on black, but trusted                      → served
 *   127.0.0.14  on nothing (slow.test times out)           → served
 *   127.0.1.x   greylisting (its own /24)
 *   127.0.2.7   on white only                              → not greylisted
 */

const TRUSTED = '127.0.0.9';
const CLEAN = '127.0.0.14';

let dns: DnsmasqHandle;
/** Every reputation check listed on mx, greylisting with a short delay. */
let b: Baton;
/** The default check list with DNS lists configured and strict HELO settings. */
let defaults: Baton;

const listed = (ip: string, zone: string) => `${ip.split('.').reverse().join('.')}.${zone}`;

before(async () => {
  dns = await startDnsmasq({
    hosts: {
      [listed('127.0.0.5', 'black.test')]: ['127.0.0.2'],
      [listed('127.0.0.6', 'black.test')]: ['127.0.0.1'],
      [listed('127.0.0.7', 'black.test')]: ['127.0.0.4'],
      [listed('127.0.0.7', 'white.test')]: ['127.0.9.2'],
      [listed('127.0.0.8', 'grey.test')]: ['127.0.0.2'],
      [listed('127.0.0.13', 'grey.test')]: ['127.0.0.2'],
      [listed('127.0.0.13', 'grey2.test')]: ['127.0.0.3'],
      [listed(TRUSTED, 'black.test')]: ['127.0.0.2'],
      [listed('127.0.2.7', 'white.test')]: ['127.0.0.1'],
      'aonly.test': ['192.0.2.10'],
    },
    mx: { 'sender.test': [{ host: 'mx.sender.test', preference: 10 }] },
    nullMx: ['nullmx.test'],
    broken: ['broken.test', 'slow.test'],
  });
  const common = {
    hostname: 'baton.test',
    localDomains: ['local.test'],
    relay: { trustedNetworks: [`${TRUSTED}/32`] },
    ...(await undeliverable()),
    dns: { servers: [dns.server], timeout: '1s' },
    dnsbl: {
      sites: ['black.test=127.0.0.[2..11]*2', 'grey.test', { zone: 'grey2.test', weight: 1 }, 'white.test=127.0.[0..255].[1..3]*-2', 'slow.test'],
      threshold: 2,
      timeout: '500ms',
    },
  };
  b = await startBaton({
    config: {
      ...common,
      listeners: [{ role: 'mx' }],
      checks: { mx: ['sender-ownership', 'relay-access', 'local-recipients', 'message-format', 'hop-limit', 'dnsbl', 'helo', 'unknown-sender', 'greylist'] },
      greylist: { delay: '3s', allowlistAfter: 1 },
    },
  });
  defaults = await startBaton({ config: { ...common, listeners: [{ role: 'mx' }], helo: { rejectInvalid: true, rejectNonFqdn: true } } });
});

after(async () => {
  await b?.stop();
  await defaults?.stop();
  await dns?.stop();
});

/** The greeting a client from `source` gets. */
async function greeting(port: number, source: string): Promise<string> {
  return replies(await dialog(port, [{ read: true }, ...cmds('QUIT')], { source }))[0] ?? '';
}

function send(source: string, mailFrom: string, to = 'user@local.test', ehlo = 'client.example'): Promise<SendResult> {
  return pySend({ port: b.ports.mx as number, source, ehlo, mail_from: mailFrom, rcpts: [{ to }], data: 'Subject: hi\r\n\r\nHello.\r\n' });
}

describe('DNS lists at connect (dnsmasq serving the zones)', () => {
  test('a listed client is refused with 554 5.7.1 naming the list and its IP; the log names the site', async () => {
    assert.equal(await greeting(b.ports.mx as number, '127.0.0.5'), '554 5.7.1 Service unavailable; client [127.0.0.5] blocked using black.test');
    assert.match(b.logs(), /"client":"127\.0\.0\.5".*"listedBy":\["black\.test=127\.0\.0\.\[2\.\.11\]\*2"\].*dnsbl: client refused/);

    // The refusal is a `rejected` event (stage connect, check dnsbl), logged once it is stored.
    await waitFor('the rejected event of 127.0.0.5', () => /"client":"127\.0\.0\.5","stage":"connect","check":"dnsbl".*"msg":"rejected"/.test(b.logs()), 15_000);
  });

  test('swaks from a listed address sees the 554 instead of the greeting', async () => {
    const r = await swaks(b.ports.mx as number, ['--local-interface', '127.0.0.5', '--from', 'a@sender.test', '--to', 'user@local.test']);
    assert.match(r.stdout + r.stderr, /<\*\* 554 5\.7\.1 Service unavailable; client \[127\.0\.0\.5\] blocked using black\.test/);
  });

  test('an answer outside the return-code filter does not count', async () => {
    assert.match(await greeting(b.ports.mx as number, '127.0.0.6'), /^220 baton\.test/);
  });

  test('weights add up: one list of weight 1 is served, two lists of weight 1 reach the threshold and are both named', async () => {
    assert.match(await greeting(b.ports.mx as number, '127.0.0.8'), /^220 /);
    assert.equal(await greeting(b.ports.mx as number, '127.0.0.13'), '554 5.7.1 Service unavailable; client [127.0.0.13] blocked using grey.test, grey2.test');
  });

  test('an allowlist (negative weight) subtracts: listed on black and white is served', async () => {
    assert.match(await greeting(b.ports.mx as number, '127.0.0.7'), /^220 /);
  });

  test('a trusted client is not looked up; a clean one is served although one list never answers (fail open)', async () => {
    assert.match(await greeting(b.ports.mx as number, TRUSTED), /^220 /);
    assert.match(await greeting(b.ports.mx as number, CLEAN), /^220 /);
    assert.match(b.logs(), /"zones":\["slow\.test"\].*dnsbl: lists did not answer; counted as not listed/);
    const asked = dns.log();
    assert.match(asked, /query\[A\] 5\.0\.0\.127\.black\.test/, 'the log shows the lookups (so the next line can fail)');
    assert.doesNotMatch(asked, /query\[A\] 9\.0\.0\.127\.black\.test/, 'the trusted client was never looked up');
  });

  test('with the default check list, configuring dnsbl.sites is enough', async () => {
    assert.equal(await greeting(defaults.ports.mx as number, '127.0.0.5'), '554 5.7.1 Service unavailable; client [127.0.0.5] blocked using black.test');
  });
});

describe('unknown sender domains (unknown-sender)', () => {
  test('a domain with an MX, and one with only an address, are accepted', async () => {
    assert.equal((await send(CLEAN, 'a@sender.test', 'user@local.test')).mail?.[0], 250);
    assert.equal((await send(CLEAN, 'a@aonly.test', 'user@local.test')).mail?.[0], 250);
  });

  test('NXDOMAIN gets 550 5.1.8', async () => {
    assert.deepEqual((await send(CLEAN, 'a@nx.test')).mail, [550, '5.1.8 Sender address rejected: domain not found']);
  });

  test('a null MX gets 550 5.7.27 (RFC 7505)', async () => {
    assert.deepEqual((await send(CLEAN, 'a@nullmx.test')).mail, [550, '5.7.27 Sender address rejected: domain does not accept mail (null MX)']);
  });

  test('a DNS timeout gets 450 4.1.8', async () => {
    assert.deepEqual((await send(CLEAN, 'a@broken.test')).mail, [450, '4.1.8 Sender address rejected: domain lookup failed, try again later']);
  });

  test('the null sender and trusted clients are exempt', async () => {
    assert.equal((await send(CLEAN, '')).mail?.[0], 250);
    assert.equal((await send(TRUSTED, 'a@nx.test')).mail?.[0], 250);
  });
});

describe('HELO checks', () => {
  const hello = async (baton: Baton, source: string, name: string) => replies(await dialog(baton.ports.mx as number, [{ read: true }, ...cmds(`EHLO ${name}`, 'QUIT')], { source }))[1];

  test('a stranger saying our hostname or our address gets 550 5.7.1; a trusted client may', async () => {
    assert.equal(await hello(b, CLEAN, 'baton.test'), '550 5.7.1 Helo command rejected: you are not me');
    assert.equal(await hello(b, CLEAN, '[127.0.0.1]'), '550 5.7.1 Helo command rejected: you are not me');
    assert.match((await hello(b, TRUSTED, 'baton.test')) ?? '', /^250-baton\.test/);
  });

  test('by default an invalid or bare name passes; with rejectInvalid / rejectNonFqdn it gets 501 / 504 5.5.2', async () => {
    assert.match((await hello(b, CLEAN, 'bad_name')) ?? '', /^250-/);
    assert.equal(await hello(defaults, CLEAN, 'bad_name.example'), '501 5.5.2 Helo command rejected: invalid name');
    assert.equal(await hello(defaults, CLEAN, 'localhost'), '504 5.5.2 Helo command rejected: need fully-qualified hostname');
    assert.match((await hello(defaults, CLEAN, '[192.0.2.1]')) ?? '', /^250-/);
  });
});

describe('greylisting', () => {
  /** When the server said the triplet may retry, from its log line. */
  function retryAfter(rcpt: string): number {
    const line = b.logs().split('\n').reverse().find((l) => l.includes('greylist: deferred') && l.includes(rcpt) && l.includes('"why":"new"'));
    assert.ok(line, `a deferral of ${rcpt} in the log`);
    return Date.parse((JSON.parse(line) as { retryAfter: string }).retryAfter);
  }

  test('first try 451 4.7.1, an early retry 451, after the delay 250, then the network is allowlisted', async () => {
    const first = await send('127.0.1.1', 'a@sender.test', 'grey1@local.test');
    assert.deepEqual(first.rcpts, [[451, '4.7.1 Greylisted, please try again later']]);
    const due = retryAfter('grey1@local.test');
    // Another address of the same /24 is the same client network.
    const early = await send('127.0.1.2', 'a@sender.test', 'grey1@local.test');
    if (Date.now() < due) assert.equal(early.rcpts?.[0]?.[0], 451, 'a retry before the delay is deferred again');
    // Greylisting is a delay by design: wait for the time the server announced, not a guess.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now() + 50)));
    const retried = await send('127.0.1.1', 'a@sender.test', 'grey1@local.test');
    assert.equal(retried.rcpts?.[0]?.[0], 250);
    assert.equal(retried.data?.[0], 250);
    // allowlistAfter: 1 — one passed triplet allowlists 127.0.1.0/24.
    const other = await send('127.0.1.3', 'b@sender.test', 'grey2@local.test');
    assert.equal(other.rcpts?.[0]?.[0], 250);
  });

  test('a client on a DNS allowlist is not greylisted; another network is', async () => {
    assert.equal((await send('127.0.2.7', 'a@sender.test', 'grey3@local.test')).rcpts?.[0]?.[0], 250);
    assert.equal((await send('127.0.3.1', 'a@sender.test', 'grey3@local.test')).rcpts?.[0]?.[0], 451);
  });
});
