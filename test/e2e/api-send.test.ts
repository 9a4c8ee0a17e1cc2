import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiKeys, openSqliteApiKeyStore } from '../../src/api/index.js';
import { systemClock } from '../../src/core/index.js';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { freePorts } from '../helpers/free-port.js';
import { startSmtpSink, type DumpedMessage, type SmtpSinkHandle } from '../helpers/smtp-sink.js';

/**
 * Sending over HTTP (docs/api.md#sending), end to end: the real curl against a
 * real Baton relaying to Postfix's smtp-sink; the MIME the sink got is read
 * with Python's email package. Quotas: `quotas.default` gives every key 3
 * messages an hour, so each test sends with keys of its own.
 */

/** Python's email package (policy.default) on a message: its header names, text and attachments' hashes. */
function pythonMime(data: string): Promise<{ headers: string[]; text: string; attachments: { filename: string; type: string; sha256: string }[] }> {
  const script = `
import sys, json, hashlib, email
from email import policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
text = m.get_body(('plain',))
print(json.dumps({
  'headers': [k for k, _ in m.items()],
  'text': text.get_content() if text else '',
  'attachments': [{'filename': a.get_filename(), 'type': a.get_content_type(), 'sha256': hashlib.sha256(a.get_payload(decode=True)).hexdigest()} for a in m.iter_attachments()],
}))`;
  return new Promise((resolve, reject) => {
    const child = execFile('python3', ['-c', script], (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(JSON.parse(stdout))));
    child.stdin?.end(data);
  });
}

describe('POST /api/v1/messages and /messages/raw through a real relay', { timeout: 120_000 }, () => {
  let api: ApiBaton;
  let sink: SmtpSinkHandle;
  /** One key per test (each has its own quota count), made at the start without a CLI run each (seconds apiece on a loaded machine). */
  const keys: Record<string, string> = {};
  const NAMES = ['mailer', 'raw-sender', 'injector', 'narrow', 'suppressed', 'limited', 'newsletter', 'idem', 'cli'];

  before(async () => {
    sink = await startSmtpSink();
    const [unsub] = (await freePorts(1)) as [number];
    api = await startApiBaton({
      config: {
        routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
        quotas: { default: { messagesPerHour: 3 } },
        unsubscribe: { address: `127.0.0.1:${unsub}`, baseUrl: 'https://unsub.shop.test', secrets: [{ id: 'k1', secret: 'an unsubscribe secret for tests' }] },
      },
    });
    // Made with the key store's own code on the node's database (the CLI does the same; startApiBaton used it for the admin key).
    const store = openSqliteApiKeyStore({ path: join(api.baton.dir, 'queue.db') });
    try {
      const maker = new ApiKeys({ store, clock: systemClock });
      for (const name of NAMES) keys[name] = (await maker.create({ name, scopes: ['send'], domains: ['shop.test'] })).key;
    } finally {
      await store.close();
    }
    const add = await api.baton.cli(['suppression', 'add', 'gone@rcpt.test', '--reason', 'hard-bounce']);
    assert.equal(add.code, 0, add.stderr);
  });
  after(async () => {
    try {
      await api?.stop();
    } finally {
      await sink?.stop();
    }
  });

  const to = (m: DumpedMessage, rcpt: string) => m.recipients.includes(rcpt);
  const arrived = (rcpt: string) => waitFor(`a message to ${rcpt} at the sink`, async () => (await sink.messages()).find((m) => to(m, rcpt)));
  const key = async (name: string) => keys[name] as string;
  const events = (type: string): Record<string, unknown>[] => {
    const db = new Database(join(api.baton.dir, 'queue.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT data FROM events WHERE type = ? ORDER BY id').pluck().all(type) as string[]).map((d) => JSON.parse(d) as Record<string, unknown>);
    } finally {
      db.close();
    }
  };

  test('JSON with an attachment and bcc: 202, delivered intact; bcc gets it but is not in the header', async () => {
    const k = await key('mailer');
    const pdf = randomBytes(30_000);
    const r = await api.curl('/api/v1/messages', {
      key: k,
      json: {
        from: { name: 'Shop', address: 'orders@shop.test' },
        to: 'ann@rcpt.test',
        bcc: ['audit@rcpt.test'],
        subject: 'Your receipt',
        text: 'Thanks for your order.',
        html: '<p>Thanks for your order.</p>',
        attachments: [{ filename: 'receipt.pdf', contentType: 'application/pdf', content: pdf.toString('base64') }],
        tags: ['receipt'],
        metadata: { order: '42' },
      },
    });
    assert.equal(r.status, 202, r.text);
    assert.match(r.body.id, /^[0-9A-Z]{20}$/);
    assert.deepEqual(r.body.recipients, [
      { address: 'ann@rcpt.test', status: 'queued' },
      { address: 'audit@rcpt.test', status: 'queued' },
    ]);
    const m = await arrived('ann@rcpt.test');
    assert.ok(to(m, 'audit@rcpt.test'), 'one message, both envelope recipients');
    assert.equal(m.mailFrom, 'orders@shop.test');
    const mime = await pythonMime(m.data);
    assert.ok(!mime.headers.map((h) => h.toLowerCase()).includes('bcc'));
    assert.doesNotMatch(m.data, /audit@rcpt\.test/);
    assert.equal(mime.text.trim(), 'Thanks for your order.');
    assert.deepEqual(mime.attachments, [{ filename: 'receipt.pdf', type: 'application/pdf', sha256: createHash('sha256').update(pdf).digest('hex') }]);
    assert.match(m.data, /^Received: from \[(::ffff:)?127\.0\.0\.1\]\n\tby .* \(Baton\) id [0-9A-Z]{20}\n\t\(submitted over the Baton HTTP API\)\n\t\(authenticated as api:mailer\)/m);
    const accepted = events('accepted').find((e) => e['queueId'] === r.body.id);
    assert.deepEqual({ tags: accepted?.['tags'], metadata: accepted?.['metadata'], subject: accepted?.['subject'], origin: accepted?.['origin'] }, {
      tags: ['receipt'],
      metadata: { order: '42' },
      subject: 'Your receipt',
      origin: { kind: 'api', apiKey: 'mailer', user: 'api:mailer', clientIp: (accepted?.['origin'] as { clientIp: string }).clientIp },
    });
  });

  test('raw RFC 5322 bytes with the envelope in the query: delivered as sent (bare LF made CRLF), Message-ID added', async () => {
    const k = await key('raw-sender');
    const raw = 'From: news@shop.test\nTo: bob@rcpt.test\nSubject: raw one\n\nline one\n.\nline three\n';
    const r = await api.curl('/api/v1/messages/raw?from=news@shop.test&to=bob@rcpt.test&to=carl@rcpt.test', { key: k, data: raw, headers: { 'Content-Type': 'message/rfc822' } });
    assert.equal(r.status, 202, r.text);
    const m = await arrived('bob@rcpt.test');
    assert.ok(to(m, 'carl@rcpt.test'));
    assert.match(m.data, /\nSubject: raw one\n\nline one\n\.\nline three\n$/);
    assert.match(m.data, /^Message-ID: <.+>$/m);
    const json = await api.curl('/api/v1/messages/raw', { key: k, json: { from: 'news@shop.test', to: ['dora@rcpt.test'], raw: Buffer.from('Subject: json raw\r\n\r\nhi\r\n').toString('base64') } });
    assert.equal(json.status, 202, json.text);
    await arrived('dora@rcpt.test');
  });

  test('baton send --api: the CLI test message goes through this route and arrives', async () => {
    const sent = await api.baton.cli(['send', '--from', 'cli@shop.test', '--to', 'cli-check@rcpt.test', '--subject', 'from the CLI', '--api', api.url, '--key', await key('cli')]);
    assert.equal(sent.code, 0, sent.stderr);
    const id = /queued as (\S+) \(api: 202\)/.exec(sent.stdout)?.[1];
    assert.ok(id, `no queue id in: ${sent.stdout}`);
    const m = await arrived('cli-check@rcpt.test');
    assert.match(m.data, /^Subject: from the CLI\r?$/m);
  });

  test('header injection and owned fields: 422 validation, nothing sent', async () => {
    const k = await key('injector');
    const inj = await api.curl('/api/v1/messages', { key: k, json: { from: 'a@shop.test', to: 'x@rcpt.test', subject: 'hi\r\nBcc: victim@rcpt.test', text: 't' } });
    assert.equal(inj.status, 422, inj.text);
    assert.equal(inj.headers['content-type'], 'application/problem+json');
    const owned = await api.curl('/api/v1/messages', { key: k, json: { from: 'a@shop.test', to: 'x@rcpt.test', text: 't', headers: { 'DKIM-Signature': 'v=1' } } });
    assert.equal(owned.status, 422);
    assert.match(owned.body.detail, /DKIM-Signature/);
    assert.equal(events('accepted').filter((e) => (e['origin'] as { apiKey?: string }).apiKey === 'injector').length, 0);
  });

  test("a sender domain the key may not use: 422 rejected with SMTP's 553 5.7.1", async () => {
    const k = await key('narrow');
    const r = await api.curl('/api/v1/messages', { key: k, json: { from: 'ceo@bank.test', to: 'x@rcpt.test', text: 't' } });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.body.type, 'https://baton.dev/problems/rejected');
    assert.match(r.body.smtp, /^553 5\.7\.1/);
    assert.equal(r.body.check, 'sender-ownership');
  });

  test('a suppressed recipient: status suppressed with the reason; the others are queued', async () => {
    const k = await key('suppressed');
    const r = await api.curl('/api/v1/messages', { key: k, json: { from: 'a@shop.test', to: ['gone@rcpt.test', 'here@rcpt.test'], text: 't' } });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(r.body.recipients.map((x: { address: string; status: string }) => [x.address, x.status]), [['gone@rcpt.test', 'suppressed'], ['here@rcpt.test', 'queued']]);
    assert.match(r.body.recipients[0].reason, /^550 5\.7\.1/);
    const m = await arrived('here@rcpt.test');
    assert.ok(!to(m, 'gone@rcpt.test'));
  });

  test('over the quota (quotas.default: 3 an hour): 429 quota-exceeded with Retry-After', async () => {
    const k = await key('limited');
    // The counters count committed messages (from the event bus): poll until the 4th is refused, bounded.
    let r = await api.curl('/api/v1/messages', { key: k, json: { from: 'a@shop.test', to: 'q@rcpt.test', text: 'n' } });
    for (let i = 0; i < 8 && r.status === 202; i++) r = await api.curl('/api/v1/messages', { key: k, json: { from: 'a@shop.test', to: 'q@rcpt.test', text: `n${i}` } });
    assert.equal(r.status, 429, r.text);
    assert.equal(r.body.type, 'https://baton.dev/problems/quota-exceeded');
    assert.equal(events('accepted').filter((e) => (e['origin'] as { apiKey?: string }).apiKey === 'limited').length, 3);
    const after = Number(r.headers['retry-after']);
    assert.ok(after >= 1 && after <= 3600, `Retry-After ${r.headers['retry-after']}`);
    assert.match(r.body.detail, /3 messages per hour for api:limited/);
  });

  test('bulk stream: delivered with List-Unsubscribe and List-Unsubscribe-Post (RFC 8058)', async () => {
    const k = await key('newsletter');
    const r = await api.curl('/api/v1/messages', { key: k, json: { from: 'news@shop.test', to: 'reader@rcpt.test', subject: 'News', text: 'n', stream: 'bulk' } });
    assert.equal(r.status, 202, r.text);
    const m = await arrived('reader@rcpt.test');
    assert.match(m.data, /^List-Unsubscribe: <https:\/\/unsub\.shop\.test\/[^>]+>/m);
    assert.match(m.data, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
  });

  test('Idempotency-Key: the retry gets the same answer and the sink one copy, also after kill -9 and a restart; another body is 409', async () => {
    const k = await key('idem');
    const body = { from: 'a@shop.test', to: 'once@rcpt.test', subject: 'once', text: 'only once' };
    const headers = { 'Idempotency-Key': '"order-1001"' };
    const first = await api.curl('/api/v1/messages', { key: k, json: body, headers });
    assert.equal(first.status, 202, first.text);
    const again = await api.curl('/api/v1/messages', { key: k, json: body, headers });
    assert.equal(again.status, 202);
    assert.equal(again.text, first.text, 'the same body, byte for byte');
    assert.equal(again.headers['idempotent-replayed'], 'true');
    await arrived('once@rcpt.test');
    await api.baton.kill9();
    await api.baton.restart();
    const afterCrash = await api.curl('/api/v1/messages', { key: k, json: body, headers });
    assert.equal(afterCrash.status, 202, afterCrash.text);
    assert.equal(afterCrash.body.id, first.body.id);
    const conflict = await api.curl('/api/v1/messages', { key: k, json: { ...body, text: 'changed' }, headers });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.type, 'https://baton.dev/problems/idempotency-conflict');
    // One accepted message for the key in the durable timeline: nothing was queued twice.
    assert.equal(events('accepted').filter((e) => (e['origin'] as { apiKey?: string }).apiKey === 'idem').length, 1);
    assert.equal((await sink.messages()).filter((m) => to(m, 'once@rcpt.test')).length, 1);
  });
});
