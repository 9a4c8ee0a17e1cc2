import assert from 'node:assert/strict';
import { test } from 'node:test';
import PostalMime from 'postal-mime';
import { makeReply, SmtpError } from '../../core/index.js';
import { CALLER, sendKit } from '../../../test/helpers/api-send-kit.js';
import { ApiProblem } from '../problem.js';
import type { ApiResult } from '../route.js';
import { composeMessage } from './compose.js';
import { rawFromQuery } from './raw.js';
import type { OutgoingMessage } from './api-sender.js';
import { sendMessageBody, type SendMessageBody } from './schemas.js';

const mailbox = (s: string) => ({ local: s.split('@')[0] as string, domain: s.split('@')[1] as string });
const plain = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  mailFrom: mailbox('orders@shop.example'),
  recipients: [mailbox('ann@example.net')],
  content: Buffer.from('From: orders@shop.example\r\nSubject: Hi\r\n\r\nHello\r\n'),
  ...over,
});
const send = (kit: ReturnType<typeof sendKit>, msg: OutgoingMessage | (() => OutgoingMessage), key?: string) =>
  kit.sender.send({ caller: CALLER, ip: '127.0.0.1', idempotencyKey: key, fingerprint: ['t', JSON.stringify(typeof msg === 'function' ? 'f' : msg.recipients)], build: typeof msg === 'function' ? msg : () => msg });

async function problem(p: Promise<unknown>): Promise<ApiProblem> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiProblem) return err;
    throw err;
  }
  assert.fail('expected a problem');
}

test('a JSON message is composed with MailComposer: attachments intact, Bcc only in the envelope, Message-ID and Date, CRLF only', async () => {
  const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
  const body: SendMessageBody = sendMessageBody.parse({
    from: { name: 'Shop', address: 'orders@shop.example' },
    to: 'ann@example.net',
    bcc: ['audit@shop.example', 'ann@example.net'],
    subject: 'Your order ✓',
    text: 'Thanks',
    html: '<p>Thanks</p>',
    attachments: [{ filename: 'r.bin', contentType: 'application/octet-stream', content: bytes.toString('base64') }],
    headers: { 'X-Order': '42' },
  });
  const c = await composeMessage(body, { hostname: 'relay.test', now: Date.UTC(2026, 0, 1) });
  assert.deepEqual(c.recipients.map((r) => `${r.local}@${r.domain}`), ['ann@example.net', 'audit@shop.example'], 'deduplicated, to first');
  const text = c.content.toString('latin1');
  assert.doesNotMatch(text, /^bcc:/im);
  assert.doesNotMatch(text, /audit@shop\.example/);
  assert.doesNotMatch(text.replace(/\r\n/g, ''), /[\r\n]/, 'no bare CR or LF');
  assert.match(text, /^Message-ID: <[0-9a-f]{24}@relay\.test>\r$/m);
  assert.match(text, /^Date: Thu, 01 Jan 2026 00:00:00 \+0000\r$/m);
  const parsed = await PostalMime.parse(c.content);
  assert.equal(parsed.subject, 'Your order ✓');
  assert.equal(parsed.text?.trim(), 'Thanks');
  assert.equal(parsed.attachments.length, 1);
  assert.deepEqual(Buffer.from(parsed.attachments[0]?.content as ArrayBuffer), bytes);
  assert.equal(parsed.headers.find((h) => h.key === 'x-order')?.value, '42');
});

test('header injection and fields Baton owns are refused with 422 naming the field', async () => {
  assert.equal(sendMessageBody.safeParse({ from: 'a@shop.example', to: 'b@x.test', text: 't', subject: 'x\r\nBcc: victim@x.test' }).success, false, 'CRLF in subject');
  assert.equal(sendMessageBody.safeParse({ from: 'a@shop.example', to: 'b@x.test', text: 't', headers: { 'X-A': 'v\nBcc: victim@x.test' } }).success, false, 'LF in a header value');
  for (const name of ['Received', 'DKIM-Signature', 'Return-Path', 'Content-Type', 'X-Baton-Stream', 'Bad Name']) {
    const body = sendMessageBody.parse({ from: 'a@shop.example', to: 'b@x.test', text: 't', headers: { [name]: 'v' } });
    const p = await problem(composeMessage(body, { hostname: 'h', now: 0 }));
    assert.equal(p.status, 422, name);
    assert.match(p.detail ?? '', new RegExp(name.split(' ')[0] as string));
  }
});

test('a message passes the submission checks and is queued under api:NAME with origin api, tags and metadata in the event', async () => {
  const kit = sendKit();
  const r = await send(kit, plain({ tags: ['receipt'], metadata: { order: '42' }, subject: 'Hi' }));
  assert.equal(r.status, 202);
  const sub = kit.submitted[0];
  assert.ok(sub);
  assert.deepEqual(r.body, { id: sub.queueId, recipients: [{ address: 'ann@example.net', status: 'queued' }] });
  assert.deepEqual(sub.origin, { kind: 'api', apiKey: 'shop', user: 'api:shop', clientIp: '127.0.0.1' });
  assert.deepEqual(sub.annotations, { tags: ['receipt'], metadata: { order: '42' }, subject: 'Hi' });
  assert.equal(sub.isSubmission, true);
});

test("a sender outside the key's domains is refused like SMTP's 553 5.7.1, as 422 rejected", async () => {
  const kit = sendKit();
  const p = await problem(send(kit, plain({ mailFrom: mailbox('ceo@bank.example') })));
  assert.equal(p.status, 422);
  assert.equal(p.kind, 'rejected');
  assert.match(String(p.extensions['smtp']), /^553 5\.7\.1/);
  assert.equal(p.extensions['check'], 'sender-ownership');
  assert.equal(kit.submitted.length, 0);
  assert.equal(kit.rejected[0]?.check, 'sender-ownership');
});

test('a suppressed recipient is reported suppressed and not queued; the others are', async () => {
  const kit = sendKit({ suppressed: ['gone@example.net'] });
  const r = await send(kit, plain({ recipients: [mailbox('ann@example.net'), mailbox('gone@example.net')] }));
  assert.equal(r.status, 202);
  const recipients = (r.body as { recipients: { address: string; status: string; reason?: string }[] }).recipients;
  assert.deepEqual(recipients.map((x) => [x.address, x.status]), [['ann@example.net', 'queued'], ['gone@example.net', 'suppressed']]);
  assert.match(recipients[1]?.reason ?? '', /^550 5\.7\.1/);
  assert.deepEqual(kit.submitted[0]?.recipients.map((x) => x.address.local), ['ann']);
});

test('every recipient suppressed: 422 rejected listing them, nothing queued', async () => {
  const kit = sendKit({ suppressed: ['ann@example.net'] });
  const p = await problem(send(kit, plain()));
  assert.equal(p.status, 422);
  assert.equal((p.extensions['recipients'] as { status: string }[])[0]?.status, 'suppressed');
  assert.equal(kit.submitted.length, 0);
});

test("the key's hourly quota answers 429 quota-exceeded with Retry-After until the hour ends (RFC 6585 §4)", async () => {
  const kit = sendKit({ settings: { limits: { messagesPerHour: 5 } }, counts: { hourMessages: 5 } });
  const p = await problem(send(kit, plain()));
  assert.equal(p.status, 429);
  assert.equal(p.kind, 'quota-exceeded');
  assert.equal(p.headers['Retry-After'], String(30 * 60), 'T0 is 12:30, the hour ends at 13:00');
  assert.match(p.detail ?? '', /5 messages per hour for api:shop/);
});

test('a contained key: the message is queued held', async () => {
  const kit = sendKit({ settings: { contained: { at: 1, trigger: 'bounces', reason: 'too many bounces' } } });
  assert.equal((await send(kit, plain())).status, 202);
  assert.match(kit.submitted[0]?.hold?.reason ?? '', /contained/);
});

test('a raw message with bare LF is normalised to CRLF; too many Received fields are refused (hop-limit)', async () => {
  const kit = sendKit();
  const msg = rawFromQuery(Buffer.from('From: orders@shop.example\nSubject: =?UTF-8?Q?Caf=C3=A9?=\n\nline\n.\nafter\n'), { from: 'orders@shop.example', to: ['ann@example.net'] });
  assert.equal(msg.subject, 'Café');
  await send(kit, msg);
  assert.equal(kit.submitted[0]?.content.toString(), 'From: orders@shop.example\r\nSubject: =?UTF-8?Q?Caf=C3=A9?=\r\n\r\nline\r\n.\r\nafter\r\n');
  const looped = Buffer.from(`${'Received: from x by y; Thu, 1 Jan 2026 00:00:00 +0000\r\n'.repeat(60)}Subject: loop\r\n\r\nx\r\n`);
  const p = await problem(send(kit, plain({ content: looped })));
  assert.equal(p.status, 422);
  assert.equal(p.extensions['check'], 'hop-limit');
});

test('intake refusing for good is 422; failing to store is 503 with Retry-After (never a 202)', async () => {
  const bulk = sendKit({ submitError: new SmtpError(makeReply(550, '5.7.0', 'bulk mail needs List-Unsubscribe'), 'message', { source: 'test' }) });
  assert.equal((await problem(send(bulk, plain()))).status, 422);
  const down = sendKit({ submitError: new Error('SQLITE_FULL') });
  const p = await problem(send(down, plain()));
  assert.equal(p.status, 503);
  assert.equal(p.headers['Retry-After'], '30');
});

test('Idempotency-Key: a retry returns the first answer and sends nothing; another body is 409 idempotency-conflict', async () => {
  const kit = sendKit();
  let builds = 0;
  const build = () => {
    builds++;
    return plain();
  };
  const first = await send(kit, build, 'order-42');
  const again = await send(kit, build, '"order-42"');
  assert.equal(kit.submitted.length, 1);
  assert.equal(builds, 1, 'a replay does not even compose');
  assert.equal(again.status, 202);
  assert.deepEqual(again.body, first.body);
  assert.equal(again.headers?.['Idempotent-Replayed'], 'true');
  const other = await problem(send(kit, plain({ recipients: [mailbox('bob@example.net')] }), 'order-42'));
  assert.equal(other.kind, 'idempotency-conflict');
  assert.equal(other.status, 409);
});

test('Idempotency-Key: a concurrent duplicate gets 409 conflict with Retry-After while the first runs', async () => {
  let release!: () => void;
  const kit = sendKit({ gate: new Promise<void>((r) => (release = r)) });
  const first = send(kit, plain(), 'k');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 20));
  const dup = await problem(send(kit, plain(), 'k'));
  assert.equal(dup.kind, 'conflict');
  assert.equal(dup.headers['Retry-After'], '1');
  release();
  assert.equal((await first).status, 202);
  assert.equal(kit.submitted.length, 1);
});

test('Idempotency-Key: a temporary failure releases the key (the retry sends); a 422 is kept (the retry gets it again)', async () => {
  const store = sendKit().store;
  const down = sendKit({ store, submitError: new Error('disk') });
  assert.equal((await problem(send(down, plain(), 'k'))).status, 503);
  const up = sendKit({ store });
  assert.equal((await send(up, plain(), 'k')).status, 202);
  assert.equal(up.submitted.length, 1);
  const refused = await problem(send(up, plain({ mailFrom: mailbox('x@bank.example') }), 'k2'));
  const replay = (await send(up, plain({ mailFrom: mailbox('x@bank.example') }), 'k2')) as ApiResult;
  assert.equal(replay.status, 422);
  assert.equal(replay.contentType, 'application/problem+json');
  assert.deepEqual(JSON.parse(String(replay.body)), refused.body());
});

test('Idempotency-Key after a crash between the enqueue and the answer: the retry finds the queued message and answers as prepared', async () => {
  const kit = sendKit();
  // The dead process: reserved, prepared, enqueued (its accepted event committed), never completed.
  const answer = { status: 202, body: JSON.stringify({ id: 'Q0000000000DEADBEEF0', recipients: [{ address: 'ann@example.net', status: 'queued' }] }), contentType: 'application/json' };
  await kit.store.reserve({ owner: 'shop', key: 'k', requestHash: await hashOf(kit), queueId: 'Q0000000000DEADBEEF0', holder: 'dead', createdAt: kit.clock.now(), expiresAt: kit.clock.now() + 1e9 }, kit.clock.now());
  await kit.store.prepare('shop', 'k', 'dead', answer);
  kit.events.push({ id: 1, event: { type: 'accepted', queueId: 'Q0000000000DEADBEEF0' } } as never);
  const r = await send(kit, plain(), 'k');
  assert.equal(kit.submitted.length, 0, 'not sent again');
  assert.deepEqual(r.body, JSON.parse(answer.body));
});

test('Idempotency-Key after a crash before the enqueue committed: the retry sends, under the queue id first chosen', async () => {
  const kit = sendKit();
  await kit.store.reserve({ owner: 'shop', key: 'k', requestHash: await hashOf(kit), queueId: 'Q0000000000NOTQUEUED', holder: 'dead', createdAt: kit.clock.now(), expiresAt: kit.clock.now() + 1e9 }, kit.clock.now());
  const r = await send(kit, plain(), 'k');
  assert.equal(kit.submitted.length, 1);
  assert.equal(kit.submitted[0]?.queueId, 'Q0000000000NOTQUEUED');
  assert.equal((r.body as { id: string }).id, 'Q0000000000NOTQUEUED');
});

/** The request hash `send(kit, plain(), ...)` produces: learnt from a throwaway store. */
async function hashOf(kit: ReturnType<typeof sendKit>): Promise<string> {
  const probe = sendKit();
  await send(probe, plain(), 'probe');
  const r = await probe.store.reserve({ owner: 'shop', key: 'probe', requestHash: '', queueId: 'x', holder: 'x', createdAt: 0, expiresAt: 1e15 }, kit.clock.now());
  assert.ok(!r.reserved);
  return r.existing.requestHash;
}
