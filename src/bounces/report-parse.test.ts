import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reportFixture } from '../../test/helpers/report-fixtures.js';
import { parseReport } from './report-parse.js';

const RETURN_PATH = 'bounce+01jd0000000000000000-k1-abcdefghjk@bounces.example.test';
const dsn = (vars: Record<string, string> = {}) =>
  reportFixture('postfix-dsn.eml', { RETURN_PATH, RCPT: 'gone@remote.test', CODE: '550', STATUS: '5.1.1', ACTION: 'failed', TEXT: 'Recipient address rejected: User unknown in local recipient table', ...vars });

describe('reading reports', () => {
  test('a Postfix DSN (RFC 3464): per-recipient Final-Recipient, Action, Status, Diagnostic-Code, the enclosed Return-Path', async () => {
    const r = await parseReport(dsn());
    assert.equal(r.kind, 'dsn');
    if (r.kind !== 'dsn') return;
    assert.equal(r.reportingMta, 'mx.remote.test');
    assert.deepEqual(r.recipients, [
      {
        finalRecipient: 'gone@remote.test',
        originalRecipient: 'gone@remote.test',
        action: 'failed',
        status: '5.1.1',
        diagnostic: '550 5.1.1 <gone@remote.test>: Recipient address rejected: User unknown in local recipient table',
      },
    ]);
    assert.deepEqual(r.original, { returnPath: RETURN_PATH, to: ['gone@remote.test'] });
  });

  test('a delayed DSN keeps its action and 4.x.x status', async () => {
    const r = await parseReport(dsn({ ACTION: 'delayed', CODE: '452', STATUS: '4.2.2', TEXT: 'Mailbox full' }));
    assert.ok(r.kind === 'dsn');
    assert.equal(r.recipients[0]?.action, 'delayed');
    assert.equal(r.recipients[0]?.status, '4.2.2');
  });

  test('a Yahoo feedback report (RFC 5965): Feedback-Type, Original-Mail-From, Original-Rcpt-To, the original', async () => {
    const r = await parseReport(reportFixture('yahoo-arf.eml', { TO: 'fbl@example.test', RETURN_PATH, RCPT: 'reader@yahoo.test', RCPT_TO_LINE: 'Original-Rcpt-To: <reader@yahoo.test>' }));
    assert.equal(r.kind, 'arf');
    if (r.kind !== 'arf') return;
    assert.equal(r.feedbackType, 'abuse');
    assert.equal(r.originalMailFrom, RETURN_PATH);
    assert.deepEqual(r.originalRcptTo, ['reader@yahoo.test']);
    assert.equal(r.reportedBy, 'Yahoo!-Mail-Feedback/2.0');
    assert.deepEqual(r.original, { returnPath: RETURN_PATH, to: ['reader@yahoo.test'] });
  });

  test('qmail: the reply after "Remote host said:" and the recipient line above it; the copy below is not read', async () => {
    const r = await parseReport(reportFixture('qmail-bounce.eml', { RETURN_PATH, RCPT: 'gone@remote.test' }));
    assert.deepEqual(r.kind === 'pattern' ? r.bounce : r, { code: 550, status: '5.1.1', text: 'Sorry, no mailbox here by that name.', recipient: 'gone@remote.test' });
  });

  test('Exim: the reply under "SMTP error from remote mail server", the address listed under "failed:"', async () => {
    const r = await parseReport(reportFixture('exim-bounce.eml', { RETURN_PATH, RCPT: 'gone@remote.test' }));
    assert.deepEqual(r.kind === 'pattern' ? r.bounce : r, { code: 550, text: 'Unrouteable address', recipient: 'gone@remote.test' });
  });

  test('an auto-reply is not a bounce', async () => {
    const r = await parseReport(reportFixture('out-of-office.eml', { RETURN_PATH }));
    assert.equal(r.kind, 'unrecognised');
  });

  test('garbage is unrecognised, never an exception', async () => {
    for (const junk of ['', '\r\n\r\n', 'no header at all', 'Content-Type: multipart/report; boundary="x"\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\n\r\n--x--\r\n']) {
      const r = await parseReport(Buffer.from(junk));
      assert.ok(r.kind === 'unrecognised' || (r.kind === 'dsn' && r.recipients.length === 0), `${JSON.stringify(junk)} → ${r.kind}`);
    }
  });
});
