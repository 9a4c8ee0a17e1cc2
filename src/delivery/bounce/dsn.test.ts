import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeReply, type Mailbox } from '../../core/index.js';
import { buildDsn, dsnStatus, wantsNotice, type DsnInput, type DsnRecipient } from './dsn.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-dsn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Python's email package, an independent MIME parser, reads the DSN back. */
const PARSER = String.raw`
import sys, json, re, email
from email.utils import parsedate_to_datetime
def unfold(v): return re.sub(r'\r?\n[ \t]', ' ', v)
m = email.message_from_bytes(open(sys.argv[1], 'rb').read())
out = {'content_type': m.get_content_type(), 'report_type': m.get_param('report-type'),
       'defects': [type(d).__name__ for d in m.defects],
       'headers': {k: unfold(v) for k, v in m.items()}, 'date': parsedate_to_datetime(m['Date']).timestamp()}
parts = m.get_payload()
out['parts'] = [p.get_content_type() for p in parts]
out['part_defects'] = [type(d).__name__ for p in parts for d in p.defects]
out['text'] = parts[0].get_payload(decode=True).decode(parts[0].get_content_charset())
blocks = parts[1].get_payload()
out['per_message'] = {k: unfold(v) for k, v in blocks[0].items()}
out['per_recipient'] = [{k: unfold(v) for k, v in b.items()} for b in blocks[1:]]
ret = parts[2]
if ret.get_content_type() == 'message/rfc822':
    inner = ret.get_payload()[0]
    out['returned'] = {'subject': inner['Subject'], 'body': inner.get_payload()}
else:
    out['returned'] = {'headers': ret.get_payload()}
print(json.dumps(out))
`;

interface Parsed {
  content_type: string;
  report_type: string;
  defects: string[];
  headers: Record<string, string>;
  date: number;
  parts: string[];
  part_defects: string[];
  text: string;
  per_message: Record<string, string>;
  per_recipient: Record<string, string>[];
  returned: { subject?: string; body?: string; headers?: string };
}

let n = 0;
function parseWithPython(message: Buffer): Parsed {
  const file = join(dir, `dsn-${n++}.eml`);
  writeFileSync(file, message);
  return JSON.parse(execFileSync('python3', ['-c', PARSER, file], { encoding: 'utf8', timeout: 20_000 })) as Parsed;
}

const mb = (local: string, domain: string): Mailbox => ({ local, domain });
const NOW = Date.UTC(2026, 2, 3, 10, 0, 0);
const ORIGINAL = Buffer.from(
  'From: Alice <alice@sender.test>\r\nTo: bob@dest.test\r\nSubject: Quarterly report\r\nMessage-ID: <orig-1@sender.test>\r\n\r\nHello Bob,\r\nthe numbers are in.\r\n',
);

function input(over: Partial<DsnInput> & { recipients: readonly DsnRecipient[] }): DsnInput {
  return { hostname: 'mx.baton.test', queueId: '01HQZX0000ABCDEFGHJK', sender: mb('alice', 'sender.test'), receivedAt: NOW - 86_400_000, original: ORIGINAL, now: NOW, ...over };
}

const bounced: DsnRecipient = {
  address: mb('bob', 'dest.test'),
  orcpt: 'rfc822;Bob@Dest.test',
  action: 'failed',
  reply: makeReply(550, '5.1.1', '<bob@dest.test>: Recipient address rejected: User unknown'),
  remoteMta: 'mx1.dest.test',
  lastAttemptAt: NOW - 60_000,
};
const expired: DsnRecipient = { address: mb('carol', 'other.test'), action: 'failed', expired: true, error: 'connection refused by 192.0.2.7:25', lastAttemptAt: NOW - 120_000 };

describe('buildDsn (read back with Python email)', () => {
  test('a failure DSN is a multipart/report with delivery-status fields and the full message (no RET)', () => {
    const dsn = buildDsn(input({ envid: 'QQ314159', recipients: [bounced, expired] }));
    assert.ok(dsn);
    assert.equal(dsn.kind, 'failure');
    assert.deepEqual(dsn.envelope, { mailFrom: null, recipients: [{ address: mb('alice', 'sender.test') }], params: {} });
    const p = parseWithPython(dsn.message);
    assert.deepEqual(p.defects, []);
    assert.deepEqual(p.part_defects, []);
    assert.equal(p.content_type, 'multipart/report');
    assert.equal(p.report_type, 'delivery-status');
    assert.deepEqual(p.parts, ['text/plain', 'message/delivery-status', 'message/rfc822']);
    assert.equal(p.headers['Subject'], 'Undelivered Mail Returned to Sender');
    assert.equal(p.headers['From'], 'Mail Delivery System <MAILER-DAEMON@mx.baton.test>');
    assert.equal(p.headers['To'], '<alice@sender.test>');
    assert.equal(p.headers['Auto-Submitted'], 'auto-replied');
    assert.equal(p.headers['MIME-Version'], '1.0');
    assert.equal(p.headers['In-Reply-To'], '<orig-1@sender.test>');
    assert.match(p.headers['Message-ID'] ?? '', /^<[^<>@\s]+@mx\.baton\.test>$/);
    assert.equal(p.date * 1000, NOW);
    assert.deepEqual(p.per_message, {
      'Original-Envelope-Id': 'QQ314159',
      'Reporting-MTA': 'dns; mx.baton.test',
      'X-Baton-Queue-ID': '01HQZX0000ABCDEFGHJK',
      'Arrival-Date': 'Mon, 2 Mar 2026 10:00:00 +0000',
    });
    assert.deepEqual(p.per_recipient, [
      {
        'Original-Recipient': 'rfc822;Bob@Dest.test',
        'Final-Recipient': 'rfc822;bob@dest.test',
        Action: 'failed',
        Status: '5.1.1',
        'Remote-MTA': 'dns; mx1.dest.test',
        'Diagnostic-Code': 'smtp; 550 5.1.1 <bob@dest.test>: Recipient address rejected: User unknown',
        'Last-Attempt-Date': 'Tue, 3 Mar 2026 09:59:00 +0000',
      },
      {
        'Final-Recipient': 'rfc822;carol@other.test',
        Action: 'failed',
        Status: '4.4.7',
        'Diagnostic-Code': 'X-Baton; connection refused by 192.0.2.7:25',
        'Last-Attempt-Date': 'Tue, 3 Mar 2026 09:58:00 +0000',
      },
    ]);
    assert.equal(p.returned.subject, 'Quarterly report');
    assert.match(p.returned.body ?? '', /the numbers are in/);
    assert.match(p.text, /could not be delivered/);
    assert.match(p.text, /<bob@dest\.test>: delivery failed permanently/);
    assert.match(p.text, /It said: 550 5\.1\.1/);
    assert.match(p.text, /<carol@other\.test>: delivery was given up/);
    assert.match(p.text, /Problem: connection refused/);
  });

  test('RET=HDRS returns only the headers as text/rfc822-headers', () => {
    const dsn = buildDsn(input({ ret: 'HDRS', recipients: [bounced] }));
    assert.ok(dsn);
    const p = parseWithPython(dsn.message);
    assert.equal(p.parts[2], 'text/rfc822-headers');
    assert.match(p.returned.headers ?? '', /Subject: Quarterly report/);
    assert.doesNotMatch(p.returned.headers ?? '', /numbers are in/);
    assert.ok(!('Original-Envelope-Id' in p.per_message), 'no ENVID given, no Original-Envelope-Id');
  });

  test('a message above the size cap is returned as headers only, even with RET=FULL', () => {
    const big = Buffer.concat([ORIGINAL, Buffer.from('x'.repeat(70) + '\r\n').fill('y', 0, 70)]);
    const dsn = buildDsn(input({ ret: 'FULL', original: big, returnSizeLimit: 100, recipients: [bounced] }));
    assert.ok(dsn);
    const p = parseWithPython(dsn.message);
    assert.equal(p.parts[2], 'text/rfc822-headers');
    assert.match(p.text, /too large to return in full/);
    // Headers themselves are cut at a field boundary below the cap.
    assert.ok(Buffer.byteLength(p.returned.headers ?? '') <= 100);
    assert.match(p.returned.headers ?? '', /^From: Alice/);
  });

  test('a delay notice says delayed with Will-Retry-Until and returns headers only', () => {
    const delayed: DsnRecipient = { address: mb('dan', 'dest.test'), action: 'delayed', reply: makeReply(451, '4.7.1', 'Greylisted'), willRetryUntil: NOW + 4 * 86_400_000, lastAttemptAt: NOW };
    const dsn = buildDsn(input({ recipients: [delayed] }));
    assert.ok(dsn);
    assert.equal(dsn.kind, 'delay');
    const p = parseWithPython(dsn.message);
    assert.equal(p.headers['Subject'], 'Delivery Status Notification (Delay)');
    assert.equal(p.parts[2], 'text/rfc822-headers');
    assert.equal(p.per_recipient[0]?.['Action'], 'delayed');
    assert.equal(p.per_recipient[0]?.['Status'], '4.7.1');
    assert.equal(p.per_recipient[0]?.['Will-Retry-Until'], 'Sat, 7 Mar 2026 10:00:00 +0000');
    assert.match(p.text, /will keep trying until Sat, 7 Mar 2026/);
  });

  test('a success notice is sent only for NOTIFY=SUCCESS', () => {
    const ok: DsnRecipient = { address: mb('erin', 'dest.test'), notify: ['SUCCESS'], action: 'delivered', reply: makeReply(250, '2.0.0', 'Ok: queued as ABC'), remoteMta: 'mx.dest.test' };
    const dsn = buildDsn(input({ recipients: [ok, { address: mb('frank', 'dest.test'), action: 'delivered' }] }));
    assert.ok(dsn);
    const p = parseWithPython(dsn.message);
    assert.equal(p.headers['Subject'], 'Delivery Status Notification (Success)');
    assert.equal(p.per_recipient.length, 1);
    assert.equal(p.per_recipient[0]?.['Final-Recipient'], 'rfc822;erin@dest.test');
    assert.equal(p.per_recipient[0]?.['Action'], 'delivered');
    assert.equal(p.per_recipient[0]?.['Status'], '2.0.0');
  });
});

describe('buildDsn (who gets one)', () => {
  test('never for a null sender (RFC 5321 §4.5.5)', () => {
    assert.equal(buildDsn(input({ sender: null, recipients: [bounced] })), undefined);
  });
  test('NOTIFY is respected per recipient', () => {
    assert.equal(buildDsn(input({ recipients: [{ ...bounced, notify: 'NEVER' }] })), undefined);
    assert.equal(buildDsn(input({ recipients: [{ ...bounced, notify: ['SUCCESS', 'DELAY'] }] })), undefined);
    const dsn = buildDsn(input({ recipients: [{ ...bounced, notify: 'NEVER' }, expired] }));
    assert.deepEqual(dsn?.reported.map((r) => r.address.local), ['carol']);
  });
  test('wantsNotice follows RFC 3461 §4.1 defaults', () => {
    assert.equal(wantsNotice(undefined, 'failed'), true);
    assert.equal(wantsNotice(undefined, 'delayed'), true);
    assert.equal(wantsNotice(undefined, 'delivered'), false);
    assert.equal(wantsNotice(['FAILURE'], 'delayed'), false);
    assert.equal(wantsNotice(['SUCCESS'], 'relayed'), true);
    assert.equal(wantsNotice('NEVER', 'failed'), false);
  });
  test('dsnStatus derives x.y.z from the enhanced status or the basic code', () => {
    const a = mb('a', 'b.test');
    assert.equal(dsnStatus({ address: a, action: 'failed', reply: makeReply(554, undefined, 'no') }), '5.0.0');
    assert.equal(dsnStatus({ address: a, action: 'failed', expired: true, reply: makeReply(451, undefined, 'later') }), '4.0.0');
    assert.equal(dsnStatus({ address: a, action: 'failed', expired: true, reply: makeReply(452, '4.2.2', 'full') }), '4.2.2');
    assert.equal(dsnStatus({ address: a, action: 'failed', error: 'x' }), '5.0.0');
    assert.equal(dsnStatus({ address: a, action: 'delayed' }), '4.0.0');
    assert.equal(dsnStatus({ address: a, action: 'failed', status: '5.4.6' }), '5.4.6');
  });
});

describe('buildDsn (wire form)', () => {
  function assertWireSafe(message: Buffer): void {
    const text = message.toString('latin1');
    assert.ok(text.endsWith('\r\n'));
    const lines = text.slice(0, -2).split('\r\n');
    for (const [i, line] of lines.entries()) {
      assert.ok(!line.includes('\n') && !line.includes('\r'), `bare CR or LF in line ${i}`);
      assert.ok(Buffer.byteLength(line, 'latin1') <= 998, `line ${i} has ${line.length} octets`);
    }
  }

  test('every line ends in CRLF and none exceeds 998 octets, even with huge diagnostics and headers', () => {
    const longReply = makeReply(550, '5.7.1', 'z'.repeat(3000), 'second line ' + 'w '.repeat(800));
    const longHeader = Buffer.from(`X-Long: ${'h'.repeat(2500)}\r\nSubject: s\r\n\r\nbody\r\n`);
    for (const ret of ['FULL', 'HDRS', undefined] as const) {
      const dsn = buildDsn(input({ ...(ret ? { ret } : {}), original: longHeader, envid: 'e'.repeat(1500), recipients: [{ ...bounced, reply: longReply, remoteMta: 'm'.repeat(1200) }] }));
      assert.ok(dsn);
      assertWireSafe(dsn.message);
      const p = parseWithPython(dsn.message);
      assert.deepEqual(p.defects, []);
      // A line over 998 octets cannot be returned unchanged: headers only.
      assert.equal(p.parts[2], 'text/rfc822-headers');
    }
    const normal = buildDsn(input({ recipients: [bounced, expired] }));
    assert.ok(normal);
    assertWireSafe(normal.message);
  });

  test('bare LF in a stored message is returned as CRLF', () => {
    const dsn = buildDsn(input({ original: Buffer.from('Subject: lf\nX: y\n\nline\n'), recipients: [bounced] }));
    assert.ok(dsn);
    assertWireSafe(dsn.message);
  });

  test('an 8-bit original is returned with Content-Transfer-Encoding 8bit and the DSN asks for BODY=8BITMIME', () => {
    const dsn = buildDsn(input({ original: Buffer.from('Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n'), recipients: [bounced] }));
    assert.ok(dsn);
    assert.deepEqual(dsn.envelope.params, { body: '8BITMIME' });
    const p = parseWithPython(dsn.message);
    assert.equal(p.parts[2], 'message/rfc822');
    assert.match(dsn.message.toString('latin1'), /Content-Type: message\/rfc822\r\nContent-Description: Undelivered message\r\nContent-Transfer-Encoding: 8bit\r\n/);
  });

  test('internationalised addresses use message/global-delivery-status and utf-8 address types (RFC 6533)', () => {
    const dsn = buildDsn(input({ sender: mb('ålice', 'sender.test'), recipients: [{ ...bounced, address: mb('bjørn', 'dest.test') }] }));
    assert.ok(dsn);
    assert.equal(dsn.envelope.params.smtputf8, true);
    const text = dsn.message.toString('utf8');
    assert.match(text, /Content-Type: message\/global-delivery-status/);
    assert.match(text, /Final-Recipient: utf-8;bjørn@dest\.test/);
    assert.match(text, /To: <ålice@sender\.test>/);
  });

  test('remote reply text cannot inject fields or MIME structure', () => {
    const evil = makeReply(550, '5.1.1', 'nope\r\nAction: delivered');
    const dsn = buildDsn(input({ recipients: [{ ...bounced, reply: evil }] }));
    assert.ok(dsn);
    const p = parseWithPython(dsn.message);
    assert.equal(p.per_recipient[0]?.['Action'], 'failed');
  });
});
