import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SmtpError, type Mailbox, type Origin } from '../core/index.js';
import { silentLogger } from '../log/index.js';
import type { EnqueueRequest, QueueStore } from '../queue/index.js';
import { compileAliases, type AliasConfig } from './aliases.js';
import { countHeader } from '../core/index.js';
const countReceived = (m: Buffer): number => countHeader(m, 'Received');
import { QueueIntake } from './intake.js';
import type { Submission } from './types.js';

/** Intake protections: hop count (RFC 5321 §6.3), alias expansion with ORCPT (RFC 3461 §4.2), trace and submission headers. */

const NOW = 1_700_000_000_000;
const clock = { now: () => NOW };

function mb(s: string): Mailbox {
  const [local, domain] = s.split('@') as [string, string];
  return { local, domain };
}

/** Only `enqueue` of the QueueStore contract: it records what intake would store. */
function recordingStore(): { store: QueueStore; requests: EnqueueRequest[] } {
  const requests: EnqueueRequest[] = [];
  const store = {
    enqueue: async (req: EnqueueRequest) => {
      requests.push(req);
    },
  } as unknown as QueueStore;
  return { store, requests };
}

function intake(store: QueueStore | undefined, aliases: AliasConfig = {}): QueueIntake {
  return new QueueIntake({ store, aliases: compileAliases(aliases), hostname: 'mx.baton.test', clock, lifetimeMs: 86_400_000, logger: silentLogger() });
}

const origin: Origin = { kind: 'smtp', clientIp: '192.0.2.7', helo: 'client.test', esmtp: true };

function submission(content: string, over: Partial<Submission> = {}): Submission {
  return {
    mailFrom: mb('sender@remote.test'),
    recipients: [{ address: mb('user@local.test') }],
    params: {},
    origin,
    content: Buffer.from(content),
    isSubmission: false,
    ...over,
  };
}

function withReceived(n: number): string {
  const trace = Array.from({ length: n }, (_, i) => `Received: from hop${i}.test by hop${i + 1}.test; Tue, 14 Nov 2023 22:13:20 +0000\r\n`).join('');
  return `${trace}Subject: loop\r\n\r\nbody\r\n`;
}

describe('countReceived', () => {
  test('counts Received fields in the header block only, case-insensitively', () => {
    assert.equal(countReceived(Buffer.from(withReceived(3))), 3);
    assert.equal(countReceived(Buffer.from('received : x\r\nRECEIVED: y\r\nX-Received: z\r\n\r\nReceived: in body\r\n')), 2);
    assert.equal(countReceived(Buffer.from('Subject: none\r\n\r\n')), 0);
  });
});

describe('QueueIntake hop limit', () => {
  test('50 Received headers are refused with 554 5.4.6 (discard mode)', async () => {
    await assert.rejects(intake(undefined).submit(submission(withReceived(50))), (e: unknown) => {
      assert.ok(e instanceof SmtpError, String(e));
      assert.equal(e.reply.code, 554);
      assert.deepEqual(e.reply.status, { class: 5, subject: 4, detail: 6 });
      return true;
    });
  });

  test('51 Received headers are refused and not enqueued', async () => {
    const { store, requests } = recordingStore();
    await assert.rejects(intake(store).submit(submission(withReceived(51))), SmtpError);
    assert.equal(requests.length, 0);
  });

  test('49 Received headers are accepted and stored', async () => {
    const { store, requests } = recordingStore();
    const id = await intake(store).submit(submission(withReceived(49)));
    assert.equal(typeof id, 'string');
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.id, id);
    // Ours makes 50 for the next hop, which is that hop's business.
    assert.equal(countReceived(requests[0]?.message ?? Buffer.alloc(0)), 50);
  });

  test('49 Received headers are accepted in discard mode', async () => {
    assert.equal(typeof (await intake(undefined).submit(submission(withReceived(49)))), 'string');
  });
});

describe('QueueIntake envelope and headers', () => {
  test('an aliased recipient is replaced by its targets, each with ORCPT naming the original', async () => {
    const { store, requests } = recordingStore();
    const i = intake(store, { 'sales@local.test': ['alice@local.test', 'bob@remote.test'] });
    await i.submit(submission('Subject: hi\r\n\r\nx\r\n', { recipients: [{ address: mb('sales@local.test') }, { address: mb('carol@local.test') }] }));
    const rcpts = requests[0]?.envelope.recipients ?? [];
    assert.deepEqual(
      rcpts.map((r) => [`${r.address.local}@${r.address.domain}`, r.orcpt]),
      [
        ['alice@local.test', 'rfc822;sales@local.test'],
        ['bob@remote.test', 'rfc822;sales@local.test'],
        ['carol@local.test', undefined],
      ],
    );
  });

  test('an ORCPT the client gave is kept through expansion', async () => {
    const { store, requests } = recordingStore();
    const i = intake(store, { 'sales@local.test': ['alice@local.test'] });
    await i.submit(submission('Subject: hi\r\n\r\nx\r\n', { recipients: [{ address: mb('sales@local.test'), orcpt: 'rfc822;orig@elsewhere.test' }] }));
    assert.deepEqual(requests[0]?.envelope.recipients.map((r) => r.orcpt), ['rfc822;orig@elsewhere.test']);
  });

  test('the stored request has the Received header prepended, times from the clock, and the content unchanged after it', async () => {
    const { store, requests } = recordingStore();
    const content = 'Subject: hi\r\n\r\nbody\r\n';
    const id = await intake(store).submit(submission(content));
    const req = requests[0];
    assert.ok(req);
    assert.equal(req.receivedAt, NOW);
    assert.equal(req.expiresAt, NOW + 86_400_000);
    const text = req.message.toString('latin1');
    assert.match(text, /^Received: from client\.test \(\[192\.0\.2\.7\]\)\r\n\tby mx\.baton\.test \(Baton\)/);
    assert.ok(text.includes(`id ${id}`), text);
    assert.ok(text.includes('for <user@local.test>'), text);
    assert.ok(text.includes('14 Nov 2023 22:13:20 +0000'), text);
    assert.ok(text.endsWith(`\r\n${content}`), text);
    assert.equal(countReceived(req.message), 1);
  });

  test('relay traffic (isSubmission false) gets no Date or Message-ID added', async () => {
    const { store, requests } = recordingStore();
    await intake(store).submit(submission('Subject: hi\r\n\r\nbody\r\n'));
    const text = requests[0]?.message.toString('latin1') ?? '';
    assert.doesNotMatch(text, /^Date:/m);
    assert.doesNotMatch(text, /^Message-ID:/im);
  });

  test('submission traffic missing Date and Message-ID gets both (RFC 6409 §8)', async () => {
    const { store, requests } = recordingStore();
    await intake(store).submit(submission('Subject: hi\r\n\r\nbody\r\n', { isSubmission: true }));
    const text = requests[0]?.message.toString('latin1') ?? '';
    assert.match(text, /\r\nDate: Tue, 14 Nov 2023 22:13:20 \+0000\r\n/);
    assert.match(text, /\r\nMessage-ID: <[0-9a-f]+@mx\.baton\.test>\r\n/);
    // Added in the header block, before the original content.
    assert.ok(text.indexOf('Message-ID:') < text.indexOf('Subject: hi'));
  });

  test('submission traffic that has Date and Message-ID keeps them and gets no second ones', async () => {
    const { store, requests } = recordingStore();
    const content = 'date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-Id: <mine@client.test>\r\nSubject: hi\r\n\r\nbody\r\n';
    await intake(store).submit(submission(content, { isSubmission: true }));
    const text = requests[0]?.message.toString('latin1') ?? '';
    assert.equal(text.match(/^Date:/gim)?.length, 1, text);
    assert.equal(text.match(/^Message-ID:/gim)?.length, 1, text);
    assert.ok(text.includes('<mine@client.test>'));
  });

  test('submission traffic with only Date gets only Message-ID', async () => {
    const { store, requests } = recordingStore();
    await intake(store).submit(submission('Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nbody\r\n', { isSubmission: true }));
    const text = requests[0]?.message.toString('latin1') ?? '';
    assert.equal(text.match(/^Date:/gim)?.length, 1, text);
    assert.equal(text.match(/^Message-ID:/gim)?.length, 1, text);
  });
});
