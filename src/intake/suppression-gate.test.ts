import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Mailbox, Origin } from '../core/index.js';
import type { BatonEvent } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import type { EnqueueRequest, QueueStore } from '../queue/index.js';
import { openSqliteSuppressionStore, type SuppressionStore } from '../suppression/index.js';
import { compileAliases, type AliasConfig } from './aliases.js';
import { QueueIntake } from './intake.js';
import { SuppressionGate } from './suppression-gate.js';
import { standardIntakeTransforms } from './transforms/index.js';
import type { Submission } from './types.js';

/**
 * Suppression at intake against the real SQLite suppression store: which
 * recipients are dropped, which are exempt (authenticated submission, DSNs,
 * postmaster), domain scopes, aliases, and what is stored with the message.
 */

const NOW = 1_800_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'baton-gate-'));
let store: SuppressionStore;
before(async () => {
  store = openSqliteSuppressionStore({ path: join(dir, 'queue.db') });
  await store.add([
    { address: 'gone@remote.test', reason: 'hard-bounce', source: 'Q1', createdAt: NOW },
    { address: 'Unsub@Remote.test', domain: 'brand.test', reason: 'unsubscribe', createdAt: NOW },
    { address: 'postmaster@remote.test', reason: 'manual', createdAt: NOW },
    { address: 'target@remote.test', reason: 'complaint', createdAt: NOW },
    { address: 'later@remote.test', reason: 'manual', createdAt: NOW, expiresAt: NOW + 1 },
  ]);
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function mb(s: string): Mailbox {
  const [local, domain] = s.split('@') as [string, string];
  return { local, domain };
}

interface Recorded {
  readonly requests: EnqueueRequest[];
  readonly appended: BatonEvent[][];
}

function build(aliases: AliasConfig = {}, now = NOW): { intake: QueueIntake; rec: Recorded } {
  const rec: Recorded = { requests: [], appended: [] };
  const queue = { enqueue: async (req: EnqueueRequest) => void rec.requests.push(req) } as unknown as QueueStore;
  const gate = new SuppressionGate(store, { append: async (events) => void rec.appended.push([...events]) });
  const intake = new QueueIntake({
    store: queue,
    aliases: compileAliases(aliases),
    transforms: standardIntakeTransforms('mx.baton.test'),
    clock: { now: () => now },
    lifetimeMs: 86_400_000,
    logger: silentLogger(),
    suppression: gate,
  });
  return { intake, rec };
}

const relayed: Origin = { kind: 'smtp', clientIp: '192.0.2.7', helo: 'client.test', esmtp: true };

function submission(from: string | null, to: readonly string[], over: Partial<Submission> = {}): Submission {
  return {
    mailFrom: from === null ? null : mb(from),
    recipients: to.map((t) => ({ address: mb(t) })),
    params: {},
    origin: relayed,
    content: Buffer.from('Subject: x\r\n\r\nbody\r\n'),
    isSubmission: false,
    ...over,
  };
}

const queued = (r: Recorded) => r.requests[0]?.envelope.recipients.map((x) => `${x.address.local}@${x.address.domain}`);
const eventTypes = (r: Recorded) => r.requests[0]?.events?.map((e) => e.type);

describe('SuppressionGate at intake', () => {
  test('a globally suppressed recipient is dropped; the others are queued with one suppressed event in the same enqueue', async () => {
    const { intake, rec } = build();
    const id = await intake.submit(submission('news@brand.test', ['ok@remote.test', 'GONE@remote.test', 'ok2@remote.test']));
    assert.deepEqual(queued(rec), ['ok@remote.test', 'ok2@remote.test']);
    assert.deepEqual(eventTypes(rec), ['accepted', 'suppressed']);
    assert.deepEqual(rec.requests[0]?.events?.[1], { type: 'suppressed', queueId: id, at: NOW, recipient: 'GONE@remote.test', reason: 'hard-bounce', scope: 'global' });
    const accepted = rec.requests[0]?.events?.[0];
    assert.deepEqual(accepted?.type === 'accepted' ? accepted.recipients : undefined, ['ok@remote.test', 'ok2@remote.test'], 'accepted lists what was queued');
    assert.equal(rec.appended.length, 0, 'nothing stored apart from the enqueue');
  });

  test('a domain-scoped entry applies to that sender domain and its subdomains only', async () => {
    for (const [from, dropped] of [
      ['a@brand.test', true],
      ['a@news.brand.test', true],
      ['a@otherbrand.test', false],
      ['a@elsewhere.test', false],
    ] as const) {
      const { intake, rec } = build();
      await intake.submit(submission(from, ['unsub@remote.test', 'ok@remote.test']));
      assert.deepEqual(queued(rec), dropped ? ['ok@remote.test'] : ['unsub@remote.test', 'ok@remote.test'], from);
      if (dropped) {
        const ev = rec.requests[0]?.events?.[1];
        assert.equal(ev?.type === 'suppressed' ? ev.scope : undefined, 'brand.test');
      }
    }
  });

  test('when every recipient is suppressed nothing is queued, and accepted + suppressed events are stored on their own', async () => {
    const { intake, rec } = build();
    const id = await intake.submit(submission('a@brand.test', ['gone@remote.test', 'unsub@remote.test']));
    assert.equal(rec.requests.length, 0);
    assert.equal(rec.appended.length, 1);
    assert.deepEqual(
      rec.appended[0]?.map((e) => [e.type, 'queueId' in e ? e.queueId : undefined, e.type === 'suppressed' ? e.recipient : '']),
      [
        ['accepted', id, ''],
        ['suppressed', id, 'gone@remote.test'],
        ['suppressed', id, 'unsub@remote.test'],
      ],
    );
  });

  test('postmaster of any domain, in any case, is never suppressed (RFC 5321 §4.5.1)', async () => {
    const { intake, rec } = build();
    await intake.submit(submission('a@brand.test', ['PostMaster@remote.test', 'gone@remote.test']));
    assert.deepEqual(queued(rec), ['PostMaster@remote.test']);
  });

  test('a DSN (null reverse-path) is never screened', async () => {
    const { intake, rec } = build();
    await intake.submit(submission(null, ['gone@remote.test']));
    assert.deepEqual(queued(rec), ['gone@remote.test']);
    assert.deepEqual(eventTypes(rec), ['accepted']);
  });

  test('authenticated submission is screened too: the backstop behind the RCPT check (left out of a role, or an entry added after RCPT)', async () => {
    const { intake, rec } = build();
    await intake.submit(submission('a@brand.test', ['gone@remote.test', 'ok@remote.test'], { origin: { ...relayed, user: 'alice' }, isSubmission: true }));
    assert.deepEqual(queued(rec), ['ok@remote.test']);
  });

  test('an expired entry no longer drops anyone', async () => {
    const { intake, rec } = build({}, NOW + 1);
    await intake.submit(submission('a@brand.test', ['later@remote.test']));
    assert.deepEqual(queued(rec), ['later@remote.test']);
    const { intake: before, rec: r2 } = build({}, NOW);
    await before.submit(submission('a@brand.test', ['later@remote.test', 'ok@remote.test']));
    assert.deepEqual(queued(r2), ['ok@remote.test']);
  });

  test('aliases are expanded first: a suppressed target is dropped, the alias itself is not looked up', async () => {
    const { intake, rec } = build({ 'team@local.test': ['target@remote.test', 'ok@remote.test'], 'gone@remote.test': ['ok3@remote.test'] });
    await intake.submit(submission('a@brand.test', ['team@local.test', 'gone@remote.test']));
    assert.deepEqual(queued(rec), ['ok@remote.test', 'ok3@remote.test']);
    const ev = rec.requests[0]?.events?.[1];
    assert.deepEqual(ev?.type === 'suppressed' ? [ev.recipient, ev.reason] : undefined, ['target@remote.test', 'complaint']);
  });

  test('a held message keeps its suppressed events before the held one', async () => {
    const { intake, rec } = build();
    await intake.submit(submission('a@brand.test', ['gone@remote.test', 'ok@remote.test'], { hold: { check: 'mail-auth', reason: 'dmarc=fail' } }));
    assert.deepEqual(eventTypes(rec), ['accepted', 'suppressed', 'held']);
    assert.equal(rec.requests[0]?.held, true);
  });
});
