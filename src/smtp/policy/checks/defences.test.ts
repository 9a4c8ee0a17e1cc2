import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Replies } from '../../../core/index.js';
import type { Verdict } from '../check.js';
import { defenceDeps } from '../../../../test/helpers/defence-deps.js';
import { sessionFacts } from '../../../../test/helpers/session-facts.js';
import { authFailuresCheck, tarpit } from './auth-failures.js';
import { pregreetCheck } from './pregreet.js';
import { connectionRateCheck, messageRateCheck, recipientRateCheck } from './rate-limits.js';

const MINUTE = 60_000;

/** A verdict given at once (the cheap checks never make a promise). */
function sync(v: Verdict | Promise<Verdict>): Verdict {
  assert.ok(!(v instanceof Promise), 'answered synchronously');
  return v;
}
const untrusted = (clientIp: string) => ({ session: sessionFacts({ clientIp }) });
const rcptInput = (clientIp: string, over = {}) => ({
  session: sessionFacts({ clientIp, ...over }),
  sender: null,
  params: {},
  recipient: { address: { local: 'u', domain: 'example.com' } },
  accepted: [],
});

describe('connection-rate, message-rate, recipient-rate', () => {
  test('the connection past the per-IP limit gets 421 4.7.0 naming the IP; another IP is not affected; a minute later it is let in', () => {
    const { deps, clock } = defenceDeps({ rateLimits: { client: { connections: '3/min' } } });
    const check = connectionRateCheck(deps);
    for (let i = 0; i < 3; i++) assert.deepEqual(check.run(untrusted('192.0.2.1')), { kind: 'continue' }, `connection ${i + 1}`);
    assert.deepEqual(check.run(untrusted('192.0.2.1')), { kind: 'reject', reply: Replies.connectionRateExceeded('192.0.2.1', 'minute') });
    assert.equal(Replies.connectionRateExceeded('192.0.2.1', 'minute').code, 421);
    assert.deepEqual(check.run(untrusted('192.0.2.2')), { kind: 'continue' });
    clock.advance(2 * MINUTE);
    assert.deepEqual(check.run(untrusted('192.0.2.1')), { kind: 'continue' });
  });

  test('the /24 and /64 aggregate: many addresses of one network share a limit, naming the network', () => {
    const { deps } = defenceDeps({ rateLimits: { client: { connections: '100/min' }, prefix: { connections: '5/min' } } });
    const check = connectionRateCheck(deps);
    for (let i = 1; i <= 5; i++) assert.deepEqual(check.run(untrusted(`198.51.100.${i}`)), { kind: 'continue' });
    assert.deepEqual(check.run(untrusted('198.51.100.77')), { kind: 'reject', reply: Replies.connectionRateExceeded('198.51.100.0/24', 'minute') });
    assert.deepEqual(check.run(untrusted('198.51.101.1')), { kind: 'continue' }, 'the next /24 is another network');
    for (let i = 1; i <= 5; i++) check.run(untrusted(`2001:db8:0:1::${i}`));
    assert.deepEqual(check.run(untrusted('2001:db8:0:1:ffff::9')), { kind: 'reject', reply: Replies.connectionRateExceeded('2001:db8:0:1::/64', 'minute') });
  });

  test('trusted clients are never counted; authenticated users are exempt from message and recipient rates', () => {
    const { deps } = defenceDeps({ rateLimits: { client: { connections: '1/min', messages: '1/min', recipients: '1/min' } } });
    const conn = connectionRateCheck(deps);
    const mail = messageRateCheck(deps);
    const rcpt = recipientRateCheck(deps);
    const trusted = { session: sessionFacts({ clientIp: '10.0.0.1', trusted: true }) };
    for (let i = 0; i < 10; i++) assert.deepEqual(conn.run(trusted), { kind: 'continue' });
    const user = { name: 'alice', domains: ['example.com'] };
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(mail.run({ ...rcptInput('192.0.2.9', { user }) }), { kind: 'continue' });
      assert.deepEqual(rcpt.run(rcptInput('192.0.2.9', { user })), { kind: 'continue' });
    }
    assert.equal(deps.counters.peek('connections:10.0.0.1', MINUTE), 0, 'nothing counted for a trusted client');
  });

  test('messages over the limit get 421 4.7.0 at MAIL; recipients over theirs get 450 4.7.1 at RCPT', () => {
    const { deps } = defenceDeps({ rateLimits: { client: { messages: '2/min', recipients: '2/h' } } });
    const mail = messageRateCheck(deps);
    const rcpt = recipientRateCheck(deps);
    const input = rcptInput('203.0.113.5');
    assert.equal(sync(mail.run(input)).kind, 'continue');
    assert.equal(sync(mail.run(input)).kind, 'continue');
    assert.deepEqual(mail.run(input), { kind: 'reject', reply: Replies.messageRateExceeded('203.0.113.5', 'minute') });
    assert.equal(sync(rcpt.run(input)).kind, 'continue');
    assert.equal(sync(rcpt.run(input)).kind, 'continue');
    assert.deepEqual(rcpt.run(input), { kind: 'defer', reply: Replies.recipientRateExceeded('203.0.113.5', 'hour') });
    assert.equal(Replies.recipientRateExceeded('x', 'hour').code, 450);
  });

  test('"off" turns one limit off', () => {
    const { deps } = defenceDeps({ rateLimits: { client: { connections: 'off' }, prefix: { connections: 'off' } } });
    const check = connectionRateCheck(deps);
    for (let i = 0; i < 1000; i++) assert.equal(sync(check.run(untrusted('192.0.2.1'))).kind, 'continue');
  });
});

describe('pregreet', () => {
  test('untrusted clients wait pregreet.wait before the greeting; trusted ones not at all (no promise)', async () => {
    const { deps, slept } = defenceDeps({ pregreet: { wait: '3s' } });
    const check = pregreetCheck(deps);
    const pending = check.run(untrusted('192.0.2.1'));
    assert.ok(pending instanceof Promise);
    assert.deepEqual(await pending, { kind: 'continue' });
    assert.deepEqual(slept, [3000]);
    assert.deepEqual(check.run({ session: sessionFacts({ trusted: true }) }), { kind: 'continue' });
    assert.deepEqual(slept, [3000], 'no pause for a trusted client');
    assert.ok((check.timeoutMs ?? 0) > 3000, 'the runner does not cut the pause short');
  });
});

describe('auth-failures', () => {
  const cfg = { authFailures: { delay: '1s', maxDelay: '8s', ipFailures: 6, userFailures: 3, closeAfter: 2, window: '15m' } };
  const attempt = (clientIp: string, login: string, ok: boolean) => ({
    session: sessionFacts({ clientIp, listener: { address: '127.0.0.1:587', role: 'submission' as const, allowPlaintextAuth: false } }),
    login,
    user: ok ? { name: login, domains: [] } : undefined,
  });

  test('tarpit: none for the first failure, then doubling from `delay` up to `maxDelay`', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => tarpit(n, 1000, 8000)), [0, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  test('failures for one user from one IP: growing delays, then 454 4.7.0 even for the right password, then 421; an event marks the block', async () => {
    const { deps, slept, events } = defenceDeps(cfg);
    const check = authFailuresCheck(deps);
    for (let i = 0; i < 3; i++) assert.deepEqual(await check.run(attempt('192.0.2.1', 'alice', false)), { kind: 'continue' });
    assert.deepEqual(slept, [1000, 2000]);
    assert.equal(events.length, 1);
    assert.deepEqual({ ...events[0], at: 0 }, { type: 'auth-blocked', at: 0, clientIp: '192.0.2.1', scope: 'user', user: 'alice', failures: 3, windowMs: 15 * MINUTE });
    assert.deepEqual(await check.run(attempt('192.0.2.1', 'ALICE', true)), { kind: 'defer', reply: Replies.authBlocked() }, 'blocked even with the right password');
    assert.deepEqual(await check.run(attempt('192.0.2.1', 'alice', false)), { kind: 'defer', reply: Replies.authBlockedClose() }, 'still knocking: 421');
    assert.equal(Replies.authBlockedClose().code, 421);
  });

  test("a user is not blocked from another IP by one IP's failures; the attacking IP stays blocked for every user", async () => {
    const { deps } = defenceDeps(cfg);
    const check = authFailuresCheck(deps);
    for (let i = 0; i < 3; i++) await check.run(attempt('192.0.2.1', 'alice', false));
    assert.deepEqual(await check.run(attempt('198.51.100.7', 'alice', true)), { kind: 'continue' }, 'alice from her own IP');
    for (let i = 0; i < 3; i++) await check.run(attempt('192.0.2.1', `user${i}`, false));
    assert.deepEqual(await check.run(attempt('192.0.2.1', 'bob', true)), { kind: 'defer', reply: Replies.authBlocked() }, `ipFailures (6) reached: the whole IP`);
  });

  test('failures age out of the window, and the block with them', async () => {
    const { deps, clock } = defenceDeps(cfg);
    const check = authFailuresCheck(deps);
    for (let i = 0; i < 3; i++) await check.run(attempt('192.0.2.1', 'alice', false));
    assert.equal((await check.run(attempt('192.0.2.1', 'alice', true))).kind, 'defer');
    clock.advance(31 * MINUTE);
    assert.deepEqual(await check.run(attempt('192.0.2.1', 'alice', true)), { kind: 'continue' });
  });

  test('successful logins cost nothing: no delay, nothing counted', async () => {
    const { deps, slept } = defenceDeps(cfg);
    const check = authFailuresCheck(deps);
    for (let i = 0; i < 20; i++) assert.deepEqual(check.run(attempt('192.0.2.1', 'alice', true)), { kind: 'continue' });
    assert.deepEqual(slept, []);
  });
});
