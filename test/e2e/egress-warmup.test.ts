import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTransport } from 'nodemailer';
import { queueList, startBaton, type Baton } from '../helpers/baton.js';
import { maildirMessages, waitFor } from '../helpers/deliver-kit.js';
import { startDnsmasq, type DnsmasqHandle } from '../helpers/dnsmasq.js';
import { startPostfixSmtpd, type PostfixSmtpd } from '../helpers/postfix-smtpd.js';

/**
 * Egress pools and warm-up through the real baton (issue 14): two sources on
 * loopback addresses 127.0.0.11 and 127.0.0.12, each in warm-up with 20
 * recipients for today, one pool of both as the default. The peer is a private
 * Postfix smtpd behind dnsmasq: its Received header says the EHLO name and the
 * peer address of every connection ("from EHLO (unknown [IP])"), so what left
 * from which source is read from the receiving side.
 *
 * The preferred MX host has only an IPv6 address: skipped from IPv4 sources.
 * 60 messages arrive at once: exactly 20 leave from each source and the other
 * 20 wait, deferred with the warm-up reason. The ramp is 20 on day 1 and 0 on
 * the days after, so a run that crosses UTC midnight still allows 20 in all.
 */
const RCPT = 'u@dest.test';
const TODAY = new Date().toISOString().slice(0, 10);
const RAMP = { other: [20, ...Array<number>(30).fill(0)] };
const SOURCES = [
  { name: 'out-a', address: '127.0.0.11', ehlo: 'a.out.test', warmup: { start: TODAY, schedule: RAMP } },
  { name: 'out-b', address: '127.0.0.12', ehlo: 'b.out.test', warmup: { start: TODAY, schedule: RAMP } },
];

interface Delivered {
  readonly ehlo: string;
  readonly ip: string;
  readonly messageId: string;
}

/** Postfix's Received header (the first one): "from EHLO (REVERSE [IP])". */
function receivedBy(text: string): Delivered {
  const m = /^Received: from (\S+) \((?:\S+ )?\[([0-9a-f.:]+)\]\)/m.exec(text);
  const id = /^Message-ID: (\S+)/im.exec(text);
  if (!m || !id) throw new Error(`no Received from-clause or Message-ID in:\n${text.slice(0, 400)}`);
  return { ehlo: m[1] as string, ip: m[2] as string, messageId: id[1] as string };
}

describe('egress pools and warm-up (real baton, Postfix as the peer)', { timeout: 180_000 }, () => {
  let pf: PostfixSmtpd;
  let dns: DnsmasqHandle;
  let b: Baton;

  before(async () => {
    pf = await startPostfixSmtpd({ mailboxes: [RCPT], listeners: { in: { tls: 'none' } } });
    // The preferred MX host has only an IPv6 address, which an IPv4 source cannot reach: skipped, said in the log.
    dns = await startDnsmasq({
      mx: { 'dest.test': [{ host: 'mx6.dest.test', preference: 5 }, { host: 'mx.dest.test', preference: 10 }] },
      hosts: { 'mx6.dest.test': ['::1'], 'mx.dest.test': ['127.0.0.1'] },
    });
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        delivery: { port: pf.port('in'), tls: 'none', siteBackoff: '0s' },
        dns: { servers: [dns.server], timeout: '2s' },
        queue: { retry: { first: '1s', max: '1s', jitter: 0 } },
        egress: { sources: SOURCES, pools: [{ name: 'warming', sources: ['out-a', 'out-b'] }], select: { default: 'warming' } },
      },
    });
  });

  after(async () => {
    await b?.stop();
    await dns?.stop();
    await pf?.stop();
  });

  test('60 messages at once: 20 from each source with its EHLO name, 20 deferred with the warm-up reason; egress status says so', async () => {
    const t = createTransport({ host: '127.0.0.1', port: b.ports.mx as number, secure: false, ignoreTLS: true, pool: true, maxConnections: 5 });
    try {
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          t.sendMail({ envelope: { from: 's@client.test', to: [RCPT] }, raw: `From: s@client.test\r\nTo: ${RCPT}\r\nSubject: warm ${i}\r\nMessage-ID: <warm-${i}@client.test>\r\n\r\nbody ${i}\r\n` }),
        ),
      );
    } finally {
      t.close();
    }
    // The 20 left over have each been tried and deferred; the 40 others are gone from the queue.
    const waiting = await pf.explain(() =>
      waitFor(
        '40 delivered and 20 deferred for the warm-up allowance',
        async () => {
          const q = await queueList(b);
          const spent = q.filter((e) => /warm-up allowance/.test(String(e.recipients[0]?.raw.lastError ?? '')));
          return q.length === 20 && spent.length === 20 ? q : undefined;
        },
        60_000,
        250,
      ),
    );
    const mail = (await maildirMessages(pf.maildir(RCPT))).map((f) => receivedBy(f.text));
    assert.equal(mail.length, 40, 'exactly 40 arrived at Postfix');
    const bySource = (ip: string) => mail.filter((m) => m.ip === ip);
    assert.equal(bySource('127.0.0.11').length, 20, 'out-a sent exactly its 20');
    assert.equal(bySource('127.0.0.12').length, 20, 'out-b sent exactly its 20');
    assert.ok(bySource('127.0.0.11').every((m) => m.ehlo === 'a.out.test'), 'out-a says its own EHLO name on every connection');
    assert.ok(bySource('127.0.0.12').every((m) => m.ehlo === 'b.out.test'), 'out-b says its own EHLO name on every connection');
    const raw = waiting[0]?.recipients[0]?.raw ?? {};
    assert.match(String(raw.lastError), /egress pool "warming": every source has sent its warm-up allowance/);
    assert.match(JSON.stringify(raw.lastReply ?? ''), /4\.7\.0|"subject":7/);
    assert.match(b.logs(), /every source of the pool has sent today's warm-up allowance/);
    assert.match(b.logs(), /MX address skipped: not the IP family of the egress source/);
    assert.doesNotMatch(b.logs(), /connection failed/, 'the IPv6 address was never tried from an IPv4 source');

    const out = await b.cli(['egress', 'status', '--json']);
    assert.equal(out.code, 0, out.stderr);
    const status = JSON.parse(out.stdout) as { day: string; sources: { name: string; warmup: { day: number }; providers: { provider: string; allowance: number; reserved: number; state: string }[] }[] };
    for (const name of ['out-a', 'out-b']) {
      const s = status.sources.find((x) => x.name === name);
      const other = s?.providers.find((p) => p.provider === 'other');
      assert.ok(s && other, JSON.stringify(status));
      if (status.day === TODAY) {
        assert.equal(s.warmup.day, 1);
        assert.deepEqual({ allowance: other.allowance, reserved: other.reserved, state: other.state }, { allowance: 20, reserved: 20, state: 'spent' });
      } else {
        // The run crossed UTC midnight: day 2 allows nothing (see RAMP).
        assert.equal(other.allowance, 0);
      }
    }
    const text = await b.cli(['egress', 'status']);
    assert.match(text.stdout, /source out-a\s+127\.0\.0\.11\s+ehlo a\.out\.test\s+pools warming\s+warm-up day/);
  });
});
