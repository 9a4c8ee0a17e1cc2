import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { formatReply, type Mailbox, type Recipient } from '../../../core/index.js';
import { HOUR_MS } from '../../../quotas/index.js';
import { quotaDeps, tempCounters } from '../../../../test/helpers/quota-deps.js';
import { sessionFacts } from '../../../../test/helpers/session-facts.js';
import { recipientQuotaCheck, sendingQuotaCheck } from './sending-quota.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-quota-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const submission = { address: '127.0.0.1:587', role: 'submission' as const, allowPlaintextAuth: false };
const alice = (limits: Record<string, number>) => sessionFacts({ listener: submission, user: { name: 'alice', domains: ['a.test'], settings: { limits } } });
const sender: Mailbox = { local: 'alice', domain: 'a.test' };
const rcpt = (n: number): Recipient => ({ address: { local: `r${n}`, domain: 'x.test' } });
const wire = (v: unknown) => (v as { kind: string; reply?: Parameters<typeof formatReply>[0] }).reply;

test('messagesPerHour: MAIL gets 451 4.7.1 naming the limit once the hour is full, with an event; the next hour accepts again', async () => {
  const counters = tempCounters(join(dir, 'a.db'));
  const now = { t: Date.UTC(2027, 0, 15, 13, 30) };
  const deps = quotaDeps(counters, now);
  const check = sendingQuotaCheck(deps);
  const session = alice({ messagesPerHour: 3 });
  const mail = () => check.run({ session, sender, params: {} });
  try {
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(mail(), { kind: 'continue' });
      counters.add('alice', { messages: 1, recipients: 1 }, now.t);
    }
    const refused = mail();
    assert.equal((refused as { kind: string }).kind, 'defer');
    assert.equal(formatReply(wire(refused)!), '451 4.7.1 Sending quota exceeded: 3 messages per hour for alice; try again after 14:00 UTC\r\n');
    assert.deepEqual(deps.recorded, [{ type: 'quota-exceeded', at: now.t, user: 'alice', limit: 'messagesPerHour', max: 3, window: 'hour', retryAt: Date.UTC(2027, 0, 15, 14), clientIp: '192.0.2.1' }]);
    now.t = Date.UTC(2027, 0, 15, 14) - 1;
    assert.equal((mail() as { kind: string }).kind, 'defer', 'still 13:59:59.999');
    now.t += 1;
    assert.deepEqual(mail(), { kind: 'continue' }, '14:00: a new hour');
    assert.equal(counters.get('alice', now.t + HOUR_MS).dayMessages, 3, 'the day still counts them');
  } finally {
    await counters.close();
  }
});

test('a user without limits, and a client without a user, are never counted against anything', async () => {
  const counters = tempCounters(join(dir, 'b.db'));
  const now = { t: Date.UTC(2027, 0, 15, 13) };
  const check = sendingQuotaCheck(quotaDeps(counters, now));
  try {
    counters.add('alice', { messages: 1_000_000 }, now.t);
    assert.deepEqual(check.run({ session: alice({}), sender, params: {} }), { kind: 'continue' });
    assert.deepEqual(check.run({ session: sessionFacts(), sender, params: {} }), { kind: 'continue' });
  } finally {
    await counters.close();
  }
});

test('recipientsPerMessage and recipientsPerDay: the extra RCPT gets 451 4.7.1, the ones before it stand', async () => {
  const counters = tempCounters(join(dir, 'c.db'));
  const now = { t: Date.UTC(2027, 0, 15, 23, 10) };
  const deps = quotaDeps(counters, now);
  const check = recipientQuotaCheck(deps);
  const run = (limits: Record<string, number>, accepted: number) => check.run({ session: alice(limits), sender, params: {}, recipient: rcpt(accepted), accepted: Array.from({ length: accepted }, (_, i) => rcpt(i)) });
  try {
    assert.deepEqual(run({ recipientsPerMessage: 2 }, 1), { kind: 'continue' });
    assert.equal(formatReply(wire(run({ recipientsPerMessage: 2 }, 2))!), '451 4.7.1 Sending quota exceeded: 2 recipients per message for alice; send the other recipients in another message\r\n');
    counters.add('alice', { messages: 1, recipients: 9 }, now.t);
    assert.deepEqual(run({ recipientsPerDay: 10 }, 0), { kind: 'continue' });
    assert.equal(formatReply(wire(run({ recipientsPerDay: 10 }, 1))!), '451 4.7.1 Sending quota exceeded: 10 recipients per day for alice; try again after 2027-01-16 00:00 UTC\r\n');
    assert.deepEqual(deps.recorded.map((e) => e.limit), ['recipientsPerMessage', 'recipientsPerDay']);
    now.t = Date.UTC(2027, 0, 16);
    assert.deepEqual(run({ recipientsPerDay: 10 }, 1), { kind: 'continue' }, 'a new UTC day');
  } finally {
    await counters.close();
  }
});

test('quotas.default limits a user that has no limit of its own; its own limit wins', async () => {
  const counters = tempCounters(join(dir, 'd.db'));
  const now = { t: Date.UTC(2027, 0, 15, 8) };
  const check = sendingQuotaCheck({ ...quotaDeps(counters, now), defaults: { messagesPerHour: 1 } });
  try {
    counters.add('alice', { messages: 1, recipients: 1 }, now.t);
    const none = sessionFacts({ listener: submission, user: { name: 'alice', domains: ['a.test'] } });
    assert.equal(formatReply(wire(check.run({ session: none, sender, params: {} }))!), '451 4.7.1 Sending quota exceeded: 1 message per hour for alice; try again after 09:00 UTC\r\n');
    assert.deepEqual(check.run({ session: alice({ messagesPerHour: 2 }), sender, params: {} }), { kind: 'continue' });
  } finally {
    await counters.close();
  }
});
