import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { startBaton, type Baton } from '../helpers/baton.js';
import { pySend, swaks } from '../helpers/clients.js';
import { sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { reportFixture } from '../helpers/report-fixtures.js';
import { startScriptedSink, type ScriptedSink } from '../helpers/scripted-sink.js';

/**
 * Bounces and complaints that arrive later (docs/deliverability.md "Return
 * path (VERP)", "Complaints (ARF)"), with real peers: Baton delivers to a
 * scripted sink, which reads the VERP return path in MAIL FROM; a real
 * Postfix DSN and a Yahoo feedback report (fixtures) then come back over
 * SMTP from an untrusted loopback address (127.0.0.2; python smtplib,
 * swaks) to Baton's mx listener. The store and the events are read from the
 * SQLite file (read only). Reports are processed before the 250, so every
 * check right after a 250 needs no wait.
 *
 * Mail here is transactional (nothing on this branch sets the bulk stream
 * yet), so `bounces.verp.transactional` is on; verp-token.test.ts covers the
 * per-stream choice.
 */
const BOUNCE_DOMAIN = 'bounces.example.test';

describe('VERP return path, inbound DSN and ARF processing', { timeout: 180_000 }, () => {
  let sink: ScriptedSink;
  let b: Baton;
  let port: number;

  before(async () => {
    sink = await startScriptedSink({
      reply: (e) => (e.command === 'RCPT' && e.arg.includes('<dead@remote.test>') ? '550 5.1.1 <dead@remote.test>: Recipient address rejected: User unknown in local recipient table' : undefined),
    });
    b = await startBaton({
      config: {
        hostname: 'baton.example.test',
        listeners: [{ role: 'mx' }],
        // Only 127.0.0.1 relays; reports come from 127.0.0.2, an outsider.
        relay: { trustedNetworks: ['127.0.0.1/32'] },
        checks: { mx: ['report-addresses', 'sender-ownership', 'relay-access', 'local-recipients', 'message-format', 'hop-limit'] },
        routes: [{ domains: ['remote.test', 'yahoo.test'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
        delivery: { siteBackoff: '0s' },
        bounces: { domain: BOUNCE_DOMAIN, secrets: [{ id: 'k1', secret: 'e2e secret, sixteen+ chars' }], verp: { transactional: true } },
        complaints: { addresses: ['fbl@example.test'] },
      },
    });
    port = b.ports.mx as number;
  });
  after(async () => {
    await b?.stop();
    await sink?.stop();
  });

  function db<T>(read: (d: Database.Database) => T): T {
    const d = new Database(resolve(b.dir, 'queue.db'), { readonly: true, fileMustExist: true });
    try {
      return read(d);
    } finally {
      d.close();
    }
  }
  const suppressions = (address: string) =>
    db((d) => d.prepare('SELECT reason, scope, source FROM suppressions WHERE address = ?').all(address) as { reason: string; scope: string; source: string }[]);
  const events = (type: string, queueId: string) =>
    db((d) => (d.prepare('SELECT data FROM events WHERE type = ? AND queue_id = ? ORDER BY id').all(type, queueId) as { data: string }[]).map((r) => JSON.parse(r.data) as Record<string, unknown>));

  /** Send through Baton (trusted 127.0.0.1) and wait until the sink has it; returns the queue id and the MAIL FROM the sink saw. */
  async function deliverOne(to: string): Promise<{ id: string; returnPath: string }> {
    const msg = testMessage('news@example.test', to, `for ${to}`);
    const id = await sendVia(port, 'news@example.test', [to], msg.text);
    const got = await waitFor(`the sink to get the message for ${to}`, () =>
      sink.sessions.flatMap((s) => s.messages).find((m) => m.recipients.some((r) => r.includes(to)) && m.data.includes(msg.messageId)),
    30_000);
    return { id, returnPath: got.mailFrom.replace(/^<|>$/g, '') };
  }

  /** A report over SMTP from the outsider 127.0.0.2 with Python's smtplib, MAIL FROM:<> as bounces come. */
  async function report(to: string, data: Buffer) {
    return pySend({ port, source: '127.0.0.2', mail_from: '', rcpts: [{ to }], data: data.toString('latin1') });
  }

  test('delivered mail carries MAIL FROM bounce+TOKEN@<bounce domain>; the stored sender stays the original', async () => {
    const { id, returnPath } = await deliverOne('reader@remote.test');
    assert.match(returnPath, new RegExp(`^bounce\\+${id.toLowerCase()}-k1-[0-9a-z]{10}@${BOUNCE_DOMAIN.replace(/\./g, '\\.')}$`));
    assert.equal(events('accepted', id)[0]?.sender, 'news@example.test');
  });

  test('a real Postfix DSN (5.1.1) arriving later at the VERP address suppresses exactly that recipient, with a bounce-received event', async () => {
    const { id, returnPath } = await deliverOne('gone@remote.test');
    const dsn = reportFixture('postfix-dsn.eml', { RETURN_PATH: returnPath, RCPT: 'gone@remote.test', CODE: '550', STATUS: '5.1.1', ACTION: 'failed', TEXT: 'Recipient address rejected: User unknown in local recipient table' });
    const r = await report(returnPath, dsn);
    assert.equal(r.rcpts?.[0]?.[0], 250, JSON.stringify(r));
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    assert.deepEqual(suppressions('gone@remote.test'), [{ reason: 'hard-bounce', scope: '', source: id }]);
    const [e] = events('bounce-received', id);
    assert.deepEqual([e?.recipient, e?.status, e?.classification], ['gone@remote.test', '5.1.1', { kind: 'hard', category: 'bad-mailbox', rule: 'status-bad-mailbox' }]);
    assert.deepEqual(suppressions('reader@remote.test'), [], 'nobody else');
  });

  test('a soft DSN (delayed, 4.2.2) is recorded and suppresses nothing', async () => {
    const { id, returnPath } = await deliverOne('full@remote.test');
    const dsn = reportFixture('postfix-dsn.eml', { RETURN_PATH: returnPath, RCPT: 'full@remote.test', CODE: '452', STATUS: '4.2.2', ACTION: 'delayed', TEXT: 'Mailbox full' });
    const r = await report(returnPath, dsn);
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    assert.deepEqual(suppressions('full@remote.test'), []);
    const [e] = events('bounce-received', id);
    assert.deepEqual([e?.action, e?.classification], ['delayed', { kind: 'soft', category: 'mailbox-full', rule: 'status-mailbox-full' }]);
  });

  test('a forged token is refused at RCPT with 550 5.1.1 (swaks); nothing is queued or suppressed', async () => {
    const { returnPath } = await deliverOne('victim@remote.test');
    const forged = returnPath.replace(/-([0-9a-z]{10})@/, (_, mac: string) => `-${mac.slice(0, 9)}${mac.endsWith('a') ? 'b' : 'a'}@`);
    const out = await swaks(port, ['--local-interface', '127.0.0.2', '--from', '<>', '--to', forged, '--quit-after', 'RCPT']);
    assert.match(out.stdout, /<\*\* 550 5\.1\.1 Unknown bounce address/);
    const other = await swaks(port, ['--local-interface', '127.0.0.2', '--from', '<>', '--to', `alice@${BOUNCE_DOMAIN}`, '--quit-after', 'RCPT']);
    assert.match(other.stdout, /<\*\* 550 5\.1\.1 /);
    assert.deepEqual(suppressions('victim@remote.test'), []);
  });

  test('a Yahoo-style ARF report to the complaint address suppresses the complainer (reason complaint), with a complained event', async () => {
    const { id, returnPath } = await deliverOne('reader@yahoo.test');
    const arf = reportFixture('yahoo-arf.eml', { TO: 'fbl@example.test', RETURN_PATH: returnPath, RCPT: 'reader@yahoo.test', RCPT_TO_LINE: 'Original-Rcpt-To: <reader@yahoo.test>' });
    const r = await report('fbl@example.test', arf);
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    assert.deepEqual(suppressions('reader@yahoo.test'), [{ reason: 'complaint', scope: '', source: 'arf:Yahoo!-Mail-Feedback/2.0' }]);
    const [e] = events('complained', id);
    assert.deepEqual([e?.recipient, e?.feedbackType], ['reader@yahoo.test', 'abuse']);
  });

  test('a synchronous 550 5.1.1 at the sink bounces with a hard bad-mailbox classification, and the feeder suppresses the address', async () => {
    const msg = testMessage('news@example.test', 'dead@remote.test', 'to a dead mailbox');
    const id = await sendVia(port, 'news@example.test', ['dead@remote.test'], msg.text);
    const [bounced] = await waitFor('the bounced event', () => {
      const list = events('bounced', id);
      return list.length > 0 ? list : undefined;
    }, 30_000);
    assert.deepEqual(bounced?.classification, { kind: 'hard', category: 'bad-mailbox', rule: 'status-bad-mailbox' });
    const rows = await waitFor('the hard-bounce suppression', () => {
      const list = suppressions('dead@remote.test');
      return list.length > 0 ? list : undefined;
    }, 30_000);
    assert.deepEqual(rows, [{ reason: 'hard-bounce', scope: '', source: id }]);
  });

  test('an unreadable report to a valid VERP address is accepted (no backscatter), recorded unmatched, and suppresses nothing', async () => {
    const { id, returnPath } = await deliverOne('ooo@remote.test');
    const r = await report(returnPath, reportFixture('out-of-office.eml', { RETURN_PATH: returnPath }));
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    const [e] = events('bounce-received', id);
    assert.equal(e?.format, 'unrecognised');
    assert.ok(typeof e?.unmatched === 'string');
    assert.deepEqual(suppressions('ooo@remote.test'), []);
  });
});
