import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../config/index.js';
import type { Origin, QueueId } from '../../core/index.js';
import { silentLogger } from '../../log/index.js';
import type { MessageSummary, RecipientRow } from '../../queue/index.js';
import type { DeliveryJob, RecipientVerdict } from '../job.js';
import type { Route } from '../route.js';
import { mergeProviders } from '../throttle/providers.js';
import type { Admission, Throttle, ThrottleSlot } from '../throttle/throttle.js';
import { WarmupAllowances } from './allowances.js';
import { EgressThrottle } from './egress-throttle.js';
import { EgressPools } from './pools.js';
import { openSqliteWarmupCounters } from './sqlite-warmup-store.js';
import type { WarmupCounters } from './warmup-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-egress-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** 2025-03-10T12:00Z: day 10 of a warm-up that started on 2025-03-01. */
const NOON = Date.parse('2025-03-10T12:00:00Z');
const DAY = 86_400_000;

const row = (n: number): RecipientRow => ({ rowId: n, queueId: 'Q' as QueueId, address: { local: `u${n}`, domain: 'd.test' }, status: 'pending', attempts: 0, nextAttemptAt: 0, updatedAt: 0 });

function job(origin: Partial<Origin>, opts: { mx?: string; rcpts?: number; route?: Route } = {}): DeliveryJob {
  const mx = opts.mx ?? 'mx.d.test';
  const message = { id: 'Q', origin: { kind: 'smtp', ...origin }, size: 1, receivedAt: 0, expiresAt: 1e15, held: false } as unknown as MessageSummary;
  return {
    message,
    recipients: Array.from({ length: opts.rcpts ?? 1 }, (_, i) => row(i + 1)),
    domain: 'd.test',
    route: opts.route ?? { kind: 'mx', tls: 'opportunistic' },
    transport: { send: async () => [] },
    siteKey: `site:${mx}`,
    mx: { ok: true, domain: 'd.test', hosts: [{ host: mx, preference: 10, addresses: [{ address: '192.0.2.1', family: 4, ttl: 60 }] }], implicit: false },
  };
}

/** The shaper's part in a unit test: always "go", counting slots given back. */
function openInner(): Throttle & { done: number } {
  const inner = {
    done: 0,
    admit: (): Admission => ({ kind: 'go', slot: { messagesPerConnection: 7, done: () => void inner.done++ } }),
    recipientsPerTransaction: () => 50,
  };
  return inner;
}

const SOURCES = [
  { name: 'a', address: '127.0.0.11', ehlo: 'a.out.test', warmup: { start: '2025-03-01', schedule: { other: [...Array(9).fill(1000), 3, 5], google: Array(10).fill(2) } } },
  { name: 'b', address: '127.0.0.12', ehlo: 'b.out.test', warmup: { start: '2025-03-01', schedule: { other: [...Array(9).fill(1000), 2, 4] } } },
  { name: 'warm', address: '127.0.0.13', ehlo: 'warm.out.test' },
  { name: 'warm2', address: '127.0.0.15', ehlo: 'warm2.out.test' },
  { name: 'later', address: '127.0.0.14', ehlo: 'later.out.test', warmup: { start: '2025-03-12' } },
];

function rig(egress: Record<string, unknown>, counters?: WarmupCounters) {
  let now = NOON;
  let r = 0;
  const config = parseConfig({ egress: { sources: SOURCES, ...egress } }, '/tmp');
  const clock = { now: () => now };
  const store = counters ?? openSqliteWarmupCounters({ path: join(dir, `e${++files}.db`) });
  const inner = openInner();
  const throttle = new EgressThrottle(inner, {
    pools: new EgressPools(config.egress),
    allowances: new WarmupAllowances({ counters: store, clock, logger: silentLogger() }),
    providers: mergeProviders(config.shaping.providers),
    clock,
    // Evenly spread over [0, 1): a weighted pick is then exact over 100 picks.
    random: { next: () => (r++ % 100) / 100 },
    logger: silentLogger(),
  });
  return { throttle, inner, store, advance: (ms: number) => (now += ms) };
}

/** Let the reservation round trips (a promise each) finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Admit, waiting out reservation round trips (a bounded number). */
async function admit(t: Throttle, j: DeliveryJob): Promise<Admission> {
  for (let i = 0; i < 10; i++) {
    const a = t.admit(j);
    if (a.kind !== 'wait') return a;
    await settle();
  }
  throw new Error('still waiting for a reservation after 10 round trips');
}

const slotOf = (a: Admission): ThrottleSlot => {
  assert.equal(a.kind, 'go', JSON.stringify(a));
  return (a as Extract<Admission, { kind: 'go' }>).slot;
};
const delivered = (j: DeliveryJob): RecipientVerdict[] => j.recipients.map((x) => ({ row: x, outcome: { verdict: 'delivered', scope: 'recipient', stage: 'dot' } }));

describe('egress selection', () => {
  const pools = [
    { name: 'pa', sources: ['a'] },
    { name: 'pb', sources: ['b'] },
    { name: 'pw', sources: ['warm'] },
    { name: 'pd', sources: ['a', 'b'] },
  ];

  test('API key before user before stream before the default pool; none at all: the host default', async () => {
    const { throttle } = rig({ pools, select: { default: 'pd', streams: { bulk: 'pw' }, users: { alice: 'pb' }, apiKeys: { shop: 'pa' } } });
    const source = async (o: Partial<Origin>) => slotOf(await admit(throttle, job(o))).egress?.name;
    assert.equal(await source({ apiKey: 'shop', user: 'alice', stream: 'bulk' }), 'a');
    assert.equal(await source({ user: 'alice', stream: 'bulk' }), 'b');
    assert.equal(await source({ stream: 'bulk' }), 'warm');
    assert.ok(['a', 'b'].includes((await source({})) ?? ''), 'transactional has no rule: the default pool');
    const none = rig({ pools, select: { streams: { bulk: 'pw' } } });
    assert.equal(slotOf(await admit(none.throttle, job({}))).egress, undefined, 'no default: the host address');
  });

  test('a pool the sender named (a campaign\'s pool) wins over the rules; an unknown name falls back to them', async () => {
    const { throttle } = rig({ pools, select: { default: 'pd', apiKeys: { shop: 'pa' } } });
    const source = async (o: Partial<Origin>) => slotOf(await admit(throttle, job(o))).egress?.name;
    assert.equal(await source({ apiKey: 'shop', pool: 'pw' }), 'warm');
    assert.equal(await source({ apiKey: 'shop', pool: 'nope' }), 'a');
  });

  test('the slot carries the source address and EHLO name and keeps the shaper\'s fields', async () => {
    const { throttle, inner } = rig({ pools, select: { default: 'pw' } });
    const j = job({});
    const slot = slotOf(await admit(throttle, j));
    assert.deepEqual(slot.egress, { name: 'warm', address: '127.0.0.13', ehlo: 'warm.out.test' });
    assert.equal(slot.messagesPerConnection, 7);
    slot.done(delivered(j));
    assert.equal(inner.done, 1, 'the shaper got its slot back');
  });

  test('local deliveries never use a source', async () => {
    const { throttle } = rig({ pools, select: { default: 'pw' } });
    const slot = slotOf(await admit(throttle, job({}, { route: { kind: 'maildir', template: '/tmp/x' } })));
    assert.equal(slot.egress, undefined);
  });

  test('weights share the attempts in proportion: 3:1 over 100 picks is 75 and 25', async () => {
    const { throttle } = rig({ pools: [{ name: 'w', sources: ['warm', 'warm2'], weights: [3, 1] }], select: { default: 'w' } });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const name = slotOf(await admit(throttle, job({}))).egress?.name ?? '';
      counts[name] = (counts[name] ?? 0) + 1;
    }
    assert.deepEqual(counts, { warm: 75, warm2: 25 });
  });
});

describe('egress warm-up', () => {
  test("a source sends its day's allowance per provider, then the pool's other source, then mail waits for the next UTC day", async () => {
    const { throttle, advance } = rig({ pools: [{ name: 'p', sources: ['a', 'b'] }], select: { default: 'p' } });
    const used: Record<string, number> = {};
    let deferred: Admission | undefined;
    for (let i = 0; i < 20 && !deferred; i++) {
      const j = job({});
      const a = await admit(throttle, j);
      if (a.kind === 'defer') deferred = a;
      else {
        const name = slotOf(a).egress?.name ?? '';
        used[name] = (used[name] ?? 0) + 1;
        slotOf(a).done(delivered(j));
      }
    }
    // Day 10 of the explicit ramps for "other": a 3, b 2.
    assert.deepEqual(used, { a: 3, b: 2 });
    assert.ok(deferred?.kind === 'defer');
    assert.equal(deferred.until, Date.parse('2025-03-11T00:00:00Z'), 'until the next UTC day');
    assert.equal(deferred.outcome.reply?.code, 451);
    assert.deepEqual(deferred.outcome.reply?.status, { class: 4, subject: 7, detail: 0 });
    assert.match(deferred.outcome.error ?? '', /egress pool "p".*2025-03-10.*"other"/);
    // Google has its own allowance of a (2 on day 10); b has no google ramp, so "other" applies, and it is spent.
    assert.equal(slotOf(await admit(throttle, job({}, { mx: 'alt1.gmail-smtp-in.l.google.com' }))).egress?.name, 'a');
    advance(DAY);
    const next: Record<string, number> = {};
    for (let i = 0; i < 9; i++) {
      const name = slotOf(await admit(throttle, job({}))).egress?.name ?? '';
      next[name] = (next[name] ?? 0) + 1;
    }
    assert.deepEqual(next, { a: 5, b: 4 }, 'day 11: the next step of each ramp');
    assert.equal((await admit(throttle, job({}))).kind, 'defer');
    advance(DAY);
    assert.equal(slotOf(await admit(throttle, job({}))).egress?.address !== undefined, true, 'day 12: past the ramp, warm, no limit');
  });

  test('a transaction with more recipients than the rest of the allowance waits; a smaller one still goes', async () => {
    const { throttle } = rig({ pools: [{ name: 'p', sources: ['a'] }], select: { default: 'p' } });
    assert.equal(slotOf(await admit(throttle, job({}, { rcpts: 2 }))).egress?.name, 'a');
    assert.equal((await admit(throttle, job({}, { rcpts: 2 }))).kind, 'defer', '1 left of 3');
    assert.equal(slotOf(await admit(throttle, job({}, { rcpts: 1 }))).egress?.name, 'a');
  });

  test('transactions are split to the largest allowance of the pool today', async () => {
    const { throttle } = rig({ pools: [{ name: 'p', sources: ['a', 'b'] }, { name: 'w', sources: ['a', 'warm'] }], select: { default: 'p', users: { u: 'w' } } });
    assert.equal(throttle.recipientsPerTransaction(job({}, { rcpts: 10 })), 3, 'a 3, b 2 on day 10');
    assert.equal(throttle.recipientsPerTransaction(job({ user: 'u' }, { rcpts: 10 })), 50, 'a warm source: the shaper\'s limit');
  });

  test('an attempt that reached no server gives its reservation back', async () => {
    const { throttle } = rig({ pools: [{ name: 'p', sources: ['b'] }], select: { default: 'p' } });
    for (let i = 0; i < 5; i++) {
      const j = job({});
      slotOf(await admit(throttle, j)).done(j.recipients.map((x) => ({ row: x, outcome: { verdict: 'deferred', scope: 'site', stage: 'connect', error: 'ECONNREFUSED' } })));
    }
    const j = job({});
    slotOf(await admit(throttle, j)).done(delivered(j));
    slotOf(await admit(throttle, j)).done(delivered(j));
    assert.equal((await admit(throttle, j)).kind, 'defer', 'two delivered: the allowance of 2 is spent');
  });

  test('a source before its warm-up start sends nothing; its pool waits until the start day', async () => {
    const { throttle } = rig({ pools: [{ name: 'p', sources: ['later'] }], select: { default: 'p' } });
    const a = await admit(throttle, job({}));
    assert.ok(a.kind === 'defer');
    assert.equal(a.until, Date.parse('2025-03-12T00:00:00Z'));
  });

  test('two nodes on one store share the allowance: 5 recipients in all, however the admissions interleave', async () => {
    const store = openSqliteWarmupCounters({ path: join(dir, `shared${++files}.db`) });
    const egress = { pools: [{ name: 'p', sources: ['a', 'b'] }], select: { default: 'p' } };
    const nodes = [rig(egress, store).throttle, rig(egress, store).throttle];
    let went = 0;
    let spent = 0;
    for (let i = 0; i < 40; i++) {
      const a = await admit(nodes[i % 2] as Throttle, job({}));
      if (a.kind === 'go') went++;
      else if (a.kind === 'defer') spent++;
    }
    assert.equal(went, 5, 'a 3 + b 2 on day 10');
    assert.equal(spent, 35);
    assert.deepEqual(await store.usage('2025-03-10'), [
      { source: 'a', provider: 'other', used: 3 },
      { source: 'b', provider: 'other', used: 2 },
    ]);
  });
});

describe('egress config', () => {
  const check = (egress: unknown) => assert.throws(() => parseConfig({ egress }, '/tmp'), ConfigError);
  test('a pool naming an unknown source fails with the key path', () => {
    assert.throws(() => parseConfig({ egress: { sources: SOURCES, pools: [{ name: 'p', sources: ['a', 'nope'] }] } }, '/tmp'), /egress\.pools\.0\.sources\.1.*"nope"/s);
  });
  test('unknown pools in select, weights that do not match, bad days and ramps without "other" fail', () => {
    check({ sources: SOURCES, pools: [{ name: 'p', sources: ['a'] }], select: { users: { u: 'q' } } });
    check({ sources: SOURCES, pools: [{ name: 'p', sources: ['a'], weights: [1, 2] }] });
    check({ sources: [{ name: 'x', address: '127.0.0.1', ehlo: 'x', warmup: { start: '2025-02-30' } }] });
    check({ sources: [{ name: 'x', address: '127.0.0.1', ehlo: 'x', warmup: { start: '2025-02-01', schedule: { google: [1] } } }] });
    check({ sources: [{ name: 'x', address: '127.0.0.1', ehlo: 'x', warmup: { start: '2025-02-01', schedule: 'fast' } }] });
  });
});
