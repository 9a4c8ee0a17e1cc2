import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../config/index.js';
import { makeReply } from '../../core/index.js';
import type { ShapedEvent } from '../../events/index.js';
import type { QueueId } from '../../core/index.js';
import type { MessageSummary, RecipientRow } from '../../queue/index.js';
import type { DeliveryJob, RecipientVerdict } from '../job.js';
import type { Outcome } from '../outcome.js';
import { mergeProviders, type Provider } from './providers.js';
import { Shaper } from './shaper.js';
import type { Admission, ThrottleSlot } from './throttle.js';
import { isThrottlingReply } from './throttling-reply.js';

const message = { id: 'Q', envelope: { mailFrom: null, recipients: [], params: {} }, origin: { kind: 'local' }, size: 1, receivedAt: 0, expiresAt: 1e12, held: false } as unknown as MessageSummary;
const row = (n: number): RecipientRow => ({ rowId: n, queueId: 'Q' as QueueId, address: { local: `u${n}`, domain: 'd.test' }, status: 'pending', attempts: 0, nextAttemptAt: 0, updatedAt: 0 });

/** A job for `domain` whose site is served by `mx` (its most preferred host first). */
function job(domain: string, mx: readonly string[], rcpts = 1): DeliveryJob {
  const hosts = mx.map((host, i) => ({ host, preference: i * 10, addresses: [{ address: '192.0.2.1', family: 4 as const, ttl: 60 }] }));
  return {
    message,
    recipients: Array.from({ length: rcpts }, (_, i) => row(i + 1)),
    domain,
    route: { kind: 'mx', tls: 'opportunistic' },
    transport: { send: async () => [] },
    siteKey: `site:${[...mx].sort().join(',')}`,
    mx: { ok: true, domain, hosts, implicit: false },
  };
}

function shaper(over: Record<string, unknown> = {}, providers?: readonly Provider[]) {
  let now = 1_000_000;
  const events: ShapedEvent[] = [];
  const config = parseConfig({ delivery: { maxConnections: 4, maxConnectionsPerSite: 2, siteBackoff: '30s' }, ...over }, '/tmp');
  const s = new Shaper({
    delivery: config.delivery,
    shaping: config.shaping,
    providers: providers ?? mergeProviders(config.shaping.providers),
    clock: { now: () => now },
    onChange: (e) => events.push(e),
  });
  return { s, events, advance: (ms: number) => (now += ms), now: () => now };
}

const go = (a: Admission): ThrottleSlot => {
  assert.equal(a.kind, 'go', JSON.stringify(a));
  return (a as Extract<Admission, { kind: 'go' }>).slot;
};
const verdicts = (j: DeliveryJob, outcome: Outcome): RecipientVerdict[] => j.recipients.map((r) => ({ row: r, outcome }));
const delivered: Outcome = { verdict: 'delivered', scope: 'recipient', stage: 'dot' };
const throttled: Outcome = { verdict: 'deferred', scope: 'site', stage: 'rcpt', reply: makeReply(421, '4.7.0', '[TSS04] Messages temporarily deferred due to unexpected volume') };

describe('Shaper', () => {
  test('connection limits: per site, then for the node; a slot given back lets the next one go', () => {
    const { s } = shaper({ shaping: { providers: false } });
    const a = job('a.test', ['mx.a.test']);
    const b = job('b.test', ['mx.b.test']);
    const slots = [go(s.admit(a)), go(s.admit(a))];
    assert.deepEqual(s.admit(a), { kind: 'wait' }, 'the site is full');
    slots.push(go(s.admit(b)), go(s.admit(b)));
    assert.deepEqual(s.admit(job('c.test', ['mx.c.test'])), { kind: 'wait', global: true }, 'the node is full');
    slots[0]?.done(verdicts(a, delivered));
    go(s.admit(a));
  });

  test('a site-level failure defers the site\'s other mail without an attempt until the back-off ends', () => {
    const { s, advance } = shaper({ shaping: { providers: false } });
    const a = job('a.test', ['mx.a.test']);
    const refused: Outcome = { verdict: 'deferred', scope: 'site', stage: 'connect', error: 'connection refused' };
    go(s.admit(a)).done(verdicts(a, refused));
    const deferred = s.admit(a);
    assert.equal(deferred.kind, 'defer');
    assert.deepEqual(deferred.kind === 'defer' && [deferred.outcome, deferred.until - 1_000_000], [refused, 30_000]);
    advance(30_000);
    go(s.admit(a));
  });

  test('a provider groups every site whose most preferred MX matches: two domains share one rate and one connection budget', () => {
    const google: Provider = { name: 'google', mx: ['*.google.com'], connections: 3, rate: 2 };
    const { s, advance } = shaper({}, [google]);
    const gmail = job('gmail.test', ['gmail-smtp-in.l.google.com', 'alt1.gmail-smtp-in.l.google.com']);
    const hosted = job('company.test', ['aspmx.l.google.com', 'backup.company.test']);
    go(s.admit(gmail));
    go(s.admit(hosted));
    const third = s.admit(gmail);
    assert.equal(third.kind, 'wait', 'a burst of one second at 2/s');
    assert.equal(third.kind === 'wait' && third.until, 1_000_500, 'the next token in half a second');
    s.sweep(); // a budget that is not back at rest is kept
    advance(500);
    go(s.admit(hosted));
    assert.equal(s.admit(gmail).kind, 'wait', 'still one shared bucket after the sweep');
    advance(10_000);
    assert.deepEqual(s.admit(gmail), { kind: 'wait' }, 'three connections in all, across both domains');
  });

  test('throttling replies halve the rate, three in a row pause the provider, and deliveries bring the rate back', () => {
    const yahoo: Provider = { name: 'yahoo', mx: ['*.yahoodns.net'], connections: 50, rate: 8 };
    const { s, events, advance } = shaper({ shaping: { adaptive: { pauseAfter: 3, pause: '5m', recoverAfter: 2 } } }, [yahoo]);
    const y = job('yahoo.test', ['mta5.am0.yahoodns.net']);
    go(s.admit(y)).done(verdicts(y, throttled));
    assert.deepEqual(events.map((e) => [e.action, e.scope, e.rate]), [['slowed', 'provider:yahoo', 4]]);
    // A 421 also backs the site off (delivery.siteBackoff, 30 s here): its mail waits that out first.
    assert.equal(s.admit(y).kind, 'defer');
    advance(30_000);
    go(s.admit(y)).done(verdicts(y, throttled));
    advance(30_000);
    go(s.admit(y)).done(verdicts(y, throttled));
    assert.deepEqual(events.map((e) => e.action), ['slowed', 'slowed', 'paused']);
    const paused = s.admit(y);
    assert.equal(paused.kind, 'defer');
    assert.match(paused.kind === 'defer' ? String(paused.outcome.reply?.lines) : '', /asked us to slow down/);
    advance(5 * 60_000);
    // 2/s now; deliveries grow it by a quarter every two, back to the configured 8/s.
    for (let i = 0; i < 20; i++) {
      advance(1000);
      go(s.admit(y)).done(verdicts(y, delivered));
    }
    assert.equal(events.at(-1)?.action, 'recovered');
    assert.equal(events.at(-1)?.rate, 8);
  });

  test('a site with no configured rate is slowed from the rate it was sent at, never below adaptive.minRate', () => {
    const { s, events } = shaper({ shaping: { providers: false, adaptive: { minRate: '30/min' } } });
    const a = job('a.test', ['mx.a.test']);
    go(s.admit(a)).done(verdicts(a, throttled));
    assert.deepEqual(events.map((e) => [e.action, e.scope, e.rate]), [['slowed', 'site:site:mx.a.test', 0.5]]);
  });

  test('a greylisting 451 is not throttling; 421 and the providers\' rate-limit replies are', () => {
    assert.equal(isThrottlingReply(makeReply(451, '4.7.1', 'Greylisted, try again in 5 minutes')), false);
    assert.equal(isThrottlingReply(makeReply(550, '5.7.1', 'rate limited')), false, 'only temporary replies');
    assert.equal(isThrottlingReply(makeReply(421, '4.3.2', 'Service not available')), true);
    assert.equal(isThrottlingReply(makeReply(450, '4.7.28', 'Our system has detected an unusual rate of unsolicited mail')), true);
    assert.equal(isThrottlingReply(makeReply(451, '4.7.500', 'Server busy. Please try again later')), true);
    assert.equal(isThrottlingReply(makeReply(451, undefined, 'Message temporarily deferred - [TS01]')), true);
    assert.equal(isThrottlingReply(makeReply(452, '4.2.1', 'Too many messages from your IP, rate limit exceeded')), true);
  });

  test('the most specific rule sets recipients per transaction and messages per connection', () => {
    const providers: Provider[] = [{ name: 'p', mx: ['*.p.test'], recipientsPerMessage: 30, messagesPerConnection: 7 }];
    const { s } = shaper({ delivery: { recipientsPerTransaction: 50 }, shaping: { domains: [{ domains: ['tight.test'], recipientsPerMessage: 5, messagesPerConnection: 2 }] } }, providers);
    assert.equal(s.recipientsPerTransaction(job('x.test', ['mx.p.test'])), 30);
    assert.equal(s.recipientsPerTransaction(job('tight.test', ['mx.p.test'])), 5);
    assert.equal(s.recipientsPerTransaction(job('other.test', ['mx.other.test'])), 50);
    assert.equal(go(s.admit(job('x.test', ['mx.p.test']))).messagesPerConnection, 7);
    assert.equal(go(s.admit(job('tight.test', ['mx.p.test']))).messagesPerConnection, 2);
  });

  test('the shipped provider table merges with the config by name; false turns it off', () => {
    assert.ok(mergeProviders([]).some((p) => p.name === 'google'));
    assert.deepEqual(mergeProviders(false), []);
    const merged = mergeProviders([
      { name: 'google', rate: 1, enabled: true },
      { name: 'yahoo', enabled: false },
      { name: 'mine', mx: ['*.mine.test'], connections: 2, enabled: true },
    ]);
    assert.equal(merged.find((p) => p.name === 'google')?.rate, 1);
    assert.ok(merged.find((p) => p.name === 'google')?.mx.includes('*.google.com'), 'the shipped patterns are kept');
    assert.equal(merged.find((p) => p.name === 'yahoo'), undefined);
    assert.equal(merged.find((p) => p.name === 'mine')?.connections, 2);
    assert.throws(() => mergeProviders([{ name: 'nomx', enabled: true }]), /needs "mx" patterns/);
  });
});
