import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queueBody, queuedId, queueShow, startBaton, type Baton } from '../helpers/baton.js';
import { pySend, type SendResult } from '../helpers/clients.js';
import { DkimDns, verifyWithDkimpy } from '../helpers/dkim.js';
import { startOpenDkim, type OpenDkimHandle } from '../helpers/opendkim.js';

/**
 * The `milter` check against a real milter (issue 10): Debian's OpenDKIM on a
 * unix socket, in mode sv. Mail from 127.0.0.3 (OpenDKIM's InternalHosts) is
 * signed: the DKIM-Signature OpenDKIM adds at end of message (SMFIR_ADDHEADER)
 * must be in the queued message and verify with dkimpy against the key served
 * by dnsmasq. Unsigned mail from 127.0.0.2 is refused by OpenDKIM
 * (On-NoSignature reject). Python's smtplib sends; 127.0.0.9 is the only
 * trusted network, so the milter is asked about both clients.
 */

const SIGNED_CLIENT = '127.0.0.3';
const OUTSIDE = '127.0.0.2';
const CHECKS = ['sender-ownership', 'relay-access', 'local-recipients', 'message-format', 'hop-limit', 'milter'];

let opendkim: OpenDkimHandle;
let dns: DkimDns;
let b: Baton;

function message(subject: string): string {
  return `From: Alice <alice@example.org>\r\nTo: user@local.test\r\nSubject: ${subject}\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W+/g, '-')}@example.org>\r\n\r\nHello from the milter test.\r\nA second line.\r\n`;
}

function send(to: Baton, data: string, source: string): Promise<SendResult> {
  return pySend({ port: to.ports.mx as number, source, ehlo: 'client.example.org', mail_from: 'alice@example.org', rcpts: [{ to: 'user@local.test' }], data });
}

function config(milters: unknown[]): Record<string, unknown> {
  return { roles: ['inbound'], localDomains: ['local.test'], relay: { trustedNetworks: ['127.0.0.9/32'] }, checks: { mx: CHECKS }, milters };
}

before(async () => {
  [opendkim, dns] = await Promise.all([startOpenDkim({ domain: 'example.org', selector: 'm1', internalHosts: `${SIGNED_CLIENT}/32`, onNoSignature: 'reject' }), DkimDns.start()]);
  await dns.publish('m1._domainkey.example.org', opendkim.txt);
  b = await startBaton({ config: config([{ name: 'opendkim', socket: opendkim.socket, timeout: '10s' }]) });
});

after(async () => {
  await b?.stop();
  await Promise.all([opendkim?.stop(), dns?.stop()]);
});

describe('milter: OpenDKIM (real opendkim over the milter protocol)', () => {
  test('mail from an internal host comes out with OpenDKIM\'s DKIM-Signature, which dkimpy verifies', async () => {
    const r = await send(b, message('signed by the milter'), SIGNED_CLIENT);
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    const id = queuedId(r.data?.[1] ?? '');
    assert.ok(id, JSON.stringify(r));
    const stored = (await queueBody(b, id)) ?? Buffer.alloc(0);
    const text = stored.toString('latin1');
    assert.match(text, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.org;/m, text.slice(0, 600));
    const sigs = await verifyWithDkimpy(stored, dns);
    assert.deepEqual(sigs.map((s) => `${s.d} ${s.s} ${s.ok ? 'pass' : `FAIL ${s.error ?? ''}`}`), ['example.org m1 pass']);
    assert.ok(text.endsWith('Hello from the milter test.\r\nA second line.\r\n'), 'the body is unchanged');
  });

  test('unsigned mail from outside is refused by OpenDKIM (On-NoSignature reject) with its own reply (SMFIR_REPLYCODE)', async () => {
    const r = await send(b, message('unsigned from outside'), OUTSIDE);
    assert.deepEqual(r.data, [550, '5.7.0 no DKIM signature data'], JSON.stringify(r));
    assert.match(b.logs(), /"milter":"opendkim".*"verdict":"replycode".*"stage":"eom"/);
  });

  test('a milter that is not listening: onFailure closed answers 451 4.3.0, open lets the message through', async () => {
    const down = `unix:${opendkim.socket.slice(5)}.absent`;
    const closed = await startBaton({ config: config([{ name: 'down', socket: down, onFailure: 'closed' }]), expectedErrors: [/"milter":"down".*try-later/] });
    const open = await startBaton({ config: config([{ name: 'down', socket: down, onFailure: 'open' }]) });
    try {
      const r1 = await send(closed, message('milter down, closed'), OUTSIDE);
      assert.equal(r1.data?.[0], 451, JSON.stringify(r1));
      assert.match(r1.data?.[1] ?? '', /4\.3\.0/);
      const r2 = await send(open, message('milter down, open'), OUTSIDE);
      assert.equal(r2.data?.[0], 250, JSON.stringify(r2));
    } finally {
      await Promise.all([closed.stop(), open.stop()]);
    }
  });

  // OpenDKIM's quarantine action answered a plain ACCEPT here (no SMFIR_QUARANTINE, even with `Quarantine yes`),
  // so QUARANTINE → held is covered by the unit tests of milter/edits.ts only.
  for (const action of ['discard'] as const) {
    test(`OpenDKIM's ${action} (SMFIR_${action.toUpperCase()}): the message is accepted and queued held, never dropped`, async () => {
      const milter = await startOpenDkim({ domain: 'example.org', selector: 'm2', internalHosts: '192.0.2.1/32', onNoSignature: action });
      const baton = await startBaton({ config: config([{ name: `od-${action}`, socket: milter.socket }]) });
      try {
        const r = await send(baton, message(`unsigned, ${action}`), OUTSIDE);
        assert.equal(r.data?.[0], 250, JSON.stringify(r));
        const shown = await queueShow(baton, queuedId(r.data?.[1] ?? '') as string);
        assert.equal(shown.held, true, JSON.stringify(shown));
        assert.match(JSON.stringify(shown), /milter od-discard asked to discard it/);
      } finally {
        await Promise.all([baton.stop(), milter.stop()]);
      }
    });
  }
});
