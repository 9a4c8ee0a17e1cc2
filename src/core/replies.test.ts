import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryReplies, type DeliveryReplyName } from './delivery-replies.js';
import { Replies, type ReplyName } from './replies.js';
import { formatReply, type SmtpReply } from './smtp-reply.js';

/** Sample arguments for the replies that take any; every other entry is called with none. */
const SAMPLE_ARGS: Partial<Record<ReplyName, unknown[]>> = {
  greeting: ['mx.example.com'],
  queued: ['01HZX4Q2K8ABCDEFGHJK'],
  chunkOk: [1234],
  authChallenge: ['VXNlcm5hbWU6'],
  recipientSuppressed: ['bob@example.com', 'unsubscribed from example.org'],
  quotaExceeded: ['Sending quota exceeded: 100 messages per hour for alice; try again after 14:00 UTC'],
  dnsblListed: ['192.0.2.1', ['zen.example', 'bl.example']],
  connectionRateExceeded: ['192.0.2.1', 'minute'],
  messageRateExceeded: ['192.0.2.0/24', 'minute'],
  recipientRateExceeded: ['2001:db8:1:2::/64', 'hour'],
};

/** Replies that legitimately carry no enhanced status (RFC 2034 §3: 220 greeting, 3xx intermediate). */
const NO_STATUS = new Set<ReplyName>(['greeting', 'startData', 'authChallenge']);

function call(name: ReplyName): SmtpReply {
  const fn = Replies[name] as (...args: unknown[]) => SmtpReply;
  return fn(...(SAMPLE_ARGS[name] ?? []));
}

test('every entry of Replies builds, with a code in 200-599 and a matching enhanced class', () => {
  const names = Object.keys(Replies) as ReplyName[];
  assert.ok(names.length >= 50, `expected the full catalogue, got ${names.length}`);
  for (const name of names) {
    const reply = call(name);
    assert.ok(Number.isInteger(reply.code) && reply.code >= 200 && reply.code <= 599, `${name}: code ${reply.code}`);
    if (reply.status === undefined) {
      assert.ok(NO_STATUS.has(name), `${name}: has no enhanced status`);
      continue;
    }
    assert.equal(reply.status.class, Math.floor(reply.code / 100), `${name}: ${reply.code} vs class ${reply.status.class}`);
    assert.ok(reply.lines.length >= 1 && reply.lines.every((l) => l.length > 0), `${name}: has text`);
  }
});

test('every reply formats to CRLF-terminated lines under 512 octets without stray CR/LF (RFC 5321 §4.5.3.1.5)', () => {
  for (const name of Object.keys(Replies) as ReplyName[]) {
    const wire = formatReply(call(name));
    assert.ok(wire.endsWith('\r\n'), name);
    for (const line of wire.slice(0, -2).split('\r\n')) {
      assert.ok(!/[\r\n]/.test(line), `${name}: bare line ending`);
      assert.ok(Buffer.byteLength(line) + 2 <= 512, `${name}: line too long`);
      assert.match(line, /^\d{3}[ -]/, name);
    }
  }
});

test('sample arguments reach the text', () => {
  assert.match(formatReply(Replies.greeting('mx.example.com')), /^220 mx\.example\.com /);
  assert.match(formatReply(Replies.queued('QID')), /queued as QID/);
  assert.match(formatReply(Replies.chunkOk(1234)), /1234 octets/);
  assert.equal(formatReply(Replies.authChallenge('')), '334 \r\n');
});

test('replies the brief depends on keep their codes', () => {
  const expect: [SmtpReply, number, string][] = [
    [Replies.tooManyRecipients(), 452, '4.5.3'],
    [Replies.messageTooBig(), 552, '5.3.4'],
    [Replies.senderNotOwned(), 553, '5.7.1'],
    [Replies.relayDenied(), 554, '5.7.1'],
    [Replies.bareLineEnding(), 550, '5.6.11'],
    [Replies.paramNotRecognized(), 555, '5.5.4'],
    [Replies.authFailed(), 535, '5.7.8'],
  ];
  for (const [r, code, status] of expect) {
    assert.equal(r.code, code);
    assert.ok(r.status);
    assert.equal(`${r.status.class}.${r.status.subject}.${r.status.detail}`, status);
  }
});

test('every entry of DeliveryReplies has a matching enhanced class and formats within 512 octets', () => {
  const names = Object.keys(DeliveryReplies) as DeliveryReplyName[];
  for (const name of names) {
    const fn = DeliveryReplies[name] as (...args: unknown[]) => SmtpReply;
    const reply = fn(...(name === 'tooBigForServer' ? [10_240_000] : []));
    assert.ok(reply.status, `${name}: every recorded reply names an RFC 3463 status (it reaches DSNs)`);
    assert.equal(reply.status.class, Math.floor(reply.code / 100), `${name}: ${reply.code} vs class ${reply.status.class}`);
    for (const line of formatReply(reply).slice(0, -2).split('\r\n')) assert.ok(Buffer.byteLength(line) + 2 <= 512, name);
  }
});
