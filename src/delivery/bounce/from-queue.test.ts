import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeReply, type QueueId } from '../../core/index.js';
import type { MessageDetail, RecipientRow } from '../../queue/store.js';
import { buildDsn } from './dsn.js';
import { dsnInputFromMessage } from './from-queue.js';

const T0 = Date.UTC(2026, 0, 10, 8, 0, 0);
const id = '01HQZX0000ABCDEFGHJK' as QueueId;
const row = (rowId: number, local: string, over: Partial<RecipientRow>): RecipientRow => ({
  rowId, queueId: id, address: { local, domain: 'dest.test' }, status: 'pending', attempts: 1, nextAttemptAt: T0, updatedAt: T0 + rowId, ...over,
});
const detail: MessageDetail = {
  id,
  envelope: { mailFrom: { local: 'alice', domain: 'sender.test' }, recipients: [], params: { ret: 'HDRS', envid: 'ENV-7' } },
  origin: { kind: 'smtp' },
  size: 10,
  receivedAt: T0 - 3_600_000,
  expiresAt: T0 + 86_400_000,
  held: false,
  recipients: [
    row(1, 'bounced', { status: 'bounced', lastReply: makeReply(550, '5.1.1', 'unknown'), remoteMta: 'mx.dest.test', orcpt: 'rfc822;b@dest.test' }),
    row(2, 'expired', { status: 'expired', lastError: 'connection timed out' }),
    row(3, 'delivered', { status: 'delivered', notify: ['SUCCESS'] }),
    row(4, 'pending', { status: 'pending', attempts: 0 }),
  ],
};
const original = Buffer.from('Subject: s\r\n\r\nb\r\n');

describe('dsnInputFromMessage', () => {
  test('maps recipient states to DSN actions and keeps RET, ENVID and arrival', () => {
    const input = dsnInputFromMessage(detail, original, { hostname: 'mx.baton.test', now: T0 });
    assert.equal(input.ret, 'HDRS');
    assert.equal(input.envid, 'ENV-7');
    assert.equal(input.receivedAt, detail.receivedAt);
    assert.deepEqual(input.recipients.map((r) => [r.address.local, r.action, r.expired ?? false]), [
      ['bounced', 'failed', false],
      ['expired', 'failed', true],
      ['delivered', 'delivered', false],
    ]);
    assert.equal(input.recipients[0]?.orcpt, 'rfc822;b@dest.test');
    assert.equal(input.recipients[0]?.lastAttemptAt, T0 + 1);
    const dsn = buildDsn(input);
    assert.equal(dsn?.kind, 'failure');
    assert.equal(dsn?.reported.length, 3);
  });

  test('a delay warning reports pending recipients as delayed until expiry', () => {
    const input = dsnInputFromMessage(detail, original, { hostname: 'h', now: T0, delayWarning: true, recipients: new Set(['pending@dest.test']) });
    assert.deepEqual(input.recipients.map((r) => [r.action, r.willRetryUntil, r.lastAttemptAt]), [['delayed', detail.expiresAt, undefined]]);
    assert.equal(buildDsn(input)?.kind, 'delay');
  });

  test('a delivery whose success notice went on to the next hop is not reported by us (RFC 3461 §5.2.2)', () => {
    const passed: MessageDetail = { ...detail, recipients: [row(3, 'delivered', { status: 'delivered', notify: ['SUCCESS'], noticePassedOn: true })] };
    assert.deepEqual(dsnInputFromMessage(passed, original, { hostname: 'h', now: T0 }).recipients, []);
  });

  test('a REQUIRETLS message is returned headers only, even when it asked RET=FULL (RFC 8689 §5)', () => {
    const secret = Buffer.from('Subject: s\r\n\r\nthe secret body\r\n');
    const tagged: MessageDetail = { ...detail, envelope: { ...detail.envelope, params: { ret: 'FULL', requireTls: true } } };
    const input = dsnInputFromMessage(tagged, secret, { hostname: 'h', now: T0 });
    assert.equal(input.ret, 'HDRS');
    const dsn = buildDsn(input);
    assert.ok(dsn && !dsn.message.includes('the secret body'), 'the body is not returned');
    const untagged = dsnInputFromMessage({ ...detail, envelope: { ...detail.envelope, params: { ret: 'FULL' } } }, secret, { hostname: 'h', now: T0 });
    assert.ok(buildDsn(untagged)?.message.includes('the secret body'), 'RET=FULL without REQUIRETLS returns it');
  });
});
