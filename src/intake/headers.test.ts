import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Origin, Recipient } from '../core/index.js';
import { missingSubmissionHeaders, receivedHeader, rfc5322Date } from './headers.js';

const AT = Date.UTC(2026, 10, 28, 16, 37, 46); // Sat, 28 Nov 2026 16:37:46 UTC
const rcpt = (local: string, domain = 'example.com'): Recipient => ({ address: { local, domain } });

function received(origin: Origin, recipients: readonly Recipient[] = [rcpt('bob')]): string {
  return receivedHeader({ origin, hostname: 'mx.baton.test', queueId: 'QID123', recipients, at: AT });
}

const SMTP: Origin = { kind: 'smtp', clientIp: '192.0.2.10', helo: 'client.example.net', esmtp: true };

test('rfc5322Date is RFC 5322 §3.3 date-time in UTC', () => {
  assert.equal(rfc5322Date(AT), 'Sat, 28 Nov 2026 16:37:46 +0000');
  assert.equal(rfc5322Date(Date.UTC(2026, 0, 5, 1, 2, 3)), 'Mon, 05 Jan 2026 01:02:03 +0000');
});

test('Received header shape (RFC 5321 §4.4): from, by, with, id, for; date after ";"', () => {
  const h = received(SMTP);
  assert.equal(
    h,
    'Received: from client.example.net ([192.0.2.10])\r\n\tby mx.baton.test (Baton) with ESMTP id QID123\r\n\tfor <bob@example.com>;\r\n\tSat, 28 Nov 2026 16:37:46 +0000\r\n',
  );
  // Unfolded, it matches the Stamp grammar in outline.
  const unfolded = h.replace(/\r\n[ \t]/g, ' ').trimEnd();
  assert.match(unfolded, /^Received: from \S+ \(\[[^\]]+\]\) by \S+ \(Baton\) with [A-Z]+ id \S+( \([^()]*\))*( for <[^>]+>)?; \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
  // Every line is CRLF-terminated and every continuation line starts with WSP.
  const lines = h.split('\r\n');
  assert.equal(lines.pop(), '');
  assert.ok(lines.slice(1).every((l) => /^[ \t]/.test(l)));
  assert.ok(!/(?<!\r)\n|\r(?!\n)/.test(h));
});

test('"for" appears only with exactly one recipient', () => {
  assert.match(received(SMTP, [rcpt('bob')]), /\tfor <bob@example\.com>;/);
  assert.doesNotMatch(received(SMTP, [rcpt('bob'), rcpt('carol')]), /for </);
  assert.doesNotMatch(received(SMTP, []), /for </);
  assert.doesNotMatch(received(SMTP, [rcpt('bob'), rcpt('carol')]), /carol|bob/);
});

test('RFC 3848 protocol names: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA', () => {
  const tls = { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' };
  const cases: [Origin, string][] = [
    [{ ...SMTP, esmtp: false }, 'SMTP'],
    [SMTP, 'ESMTP'],
    [{ ...SMTP, tls }, 'ESMTPS'],
    [{ ...SMTP, user: 'alice' }, 'ESMTPA'],
    [{ ...SMTP, tls, user: 'alice' }, 'ESMTPSA'],
  ];
  for (const [origin, proto] of cases) assert.match(received(origin), new RegExp(` with ${proto} id `), proto);
  const both = received({ ...SMTP, tls, user: 'alice' });
  assert.match(both, /\(using TLSv1\.3 with cipher TLS_AES_256_GCM_SHA384\)/);
  assert.match(both, /\(authenticated as alice\)/);
});

test('client-supplied text cannot break out of the header or its comments', () => {
  const h = received({ ...SMTP, helo: 'evil\r\nBcc: x@y.z (a)\\', user: 'a)b(c\r\n' });
  const lines = h.split('\r\n');
  assert.equal(lines.length, 6, h);
  assert.doesNotMatch(h, /\r\nBcc:/);
  assert.match(h, /^Received: from evil\?\?Bcc:\?x@y\.z\?\?a\?\?/);
  assert.match(h, /\(authenticated as a\?b\?c\?\?\)/);
  assert.equal(received({ ...SMTP, helo: 'x'.repeat(1000) }).split('\r\n')[0]?.length, 'Received: from '.length + 255 + ' ([192.0.2.10])'.length);
});

test('missing helo and client address, and local origin', () => {
  assert.match(received({ kind: 'smtp' }), /^Received: from unknown \(\[unknown\]\)/);
  assert.match(received({ kind: 'local' }), /^Received: from localhost\r\n\tby mx\.baton\.test/);
});

test('an IPv6 client is written as an IPv6 address literal (RFC 5321 §4.1.3)', () => {
  assert.match(received({ ...SMTP, clientIp: '2001:db8::1' }), /\(\[IPv6:2001:db8::1\]\)/);
});

const msg = (s: string): Buffer => Buffer.from(s, 'latin1');

test('missingSubmissionHeaders adds Date and Message-ID only when absent (RFC 6409 §8)', () => {
  const both = missingSubmissionHeaders(msg('Subject: x\r\n\r\nbody\r\n'), 'mx.baton.test', AT);
  assert.match(both, /^Date: Sat, 28 Nov 2026 16:37:46 \+0000\r\nMessage-ID: <[0-9a-f]{24}@mx\.baton\.test>\r\n$/);
  assert.equal(missingSubmissionHeaders(msg('DATE: x\r\nMESSAGE-ID: <a@b>\r\n\r\n'), 'h', AT), '');
  assert.match(missingSubmissionHeaders(msg('Date: x\r\n\r\nMessage-ID: <in body>\r\n'), 'h', AT), /^Message-ID: <[0-9a-f]+@h>\r\n$/);
  const a = missingSubmissionHeaders(msg('\r\n'), 'h', AT);
  const b = missingSubmissionHeaders(msg('\r\n'), 'h', AT);
  assert.notEqual(a, b, 'Message-IDs are unique');
});
