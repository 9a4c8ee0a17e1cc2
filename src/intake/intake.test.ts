import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Mailbox, Origin } from '../core/index.js';
import { silentLogger } from '../log/index.js';
import type { EnqueueRequest, QueueStore } from '../queue/index.js';
import { compileAliases, type AliasConfig } from './aliases.js';
import { countHeader } from '../core/index.js';
const countReceived = (m: Buffer): number => countHeader(m, 'Received');
import { QueueIntake } from './intake.js';
import { standardIntakeTransforms } from './transforms/index.js';
import type { Submission } from './types.js';

/** Intake: alias expansion with ORCPT (RFC 3461 §4.2), the transforms (trace and submission headers), the accepted event. */

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
  return new QueueIntake({
    store,
    aliases: compileAliases(aliases),
    transforms: standardIntakeTransforms('mx.baton.test'),
    clock,
    lifetimeMs: 86_400_000,
    logger: silentLogger(),
  });
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

describe('QueueIntake events and check headers', () => {
  test('the enqueue carries its accepted event: sender, expanded recipients, stored size and origin', async () => {
    const { store, requests } = recordingStore();
    const id = await intake(store, { 'sales@local.test': ['alice@local.test'] }).submit(submission('Subject: hi\r\n\r\nx\r\n', { recipients: [{ address: mb('sales@local.test') }] }));
    const req = requests[0];
    assert.deepEqual(req?.events, [
      { type: 'accepted', queueId: id, at: NOW, sender: 'sender@remote.test', recipients: ['alice@local.test'], size: req?.message.length, origin, subject: 'hi' },
    ]);
  });

  test('the accepted event carries the Subject of SMTP mail, unfolded and decoded; the API\'s own subject wins; none without the field', async () => {
    const { store, requests } = recordingStore();
    const subjectOfEvent = async (content: string, over: Partial<Submission> = {}) => {
      await intake(store).submit(submission(content, over));
      const e = requests.at(-1)?.events?.[0];
      return e?.type === 'accepted' ? e.subject : 'not accepted';
    };
    assert.equal(await subjectOfEvent('Subject: =?UTF-8?Q?Caf=C3=A9?= and\r\n more\r\nFrom: a@b.test\r\n\r\nSubject: not this\r\n'), 'Café and more');
    assert.equal(await subjectOfEvent('Subject: Grüße\r\n\r\nx\r\n'), 'Grüße', 'UTF-8 header (RFC 6532)');
    assert.equal(await subjectOfEvent('From: a@b.test\r\n\r\nSubject: in the body\r\n'), undefined);
    assert.equal(await subjectOfEvent('Subject: header\r\n\r\nx\r\n', { annotations: { subject: 'from the API' } }), 'from the API');
  });

  test('fields from content checks go under our Received and above the original header', async () => {
    const { store, requests } = recordingStore();
    const ar = 'Authentication-Results: mx.baton.test; spf=pass smtp.mailfrom=remote.test\r\n';
    await intake(store).submit(submission('Subject: hi\r\n\r\nbody\r\n', { checkEdits: [{ prepend: [ar] }] }));
    const text = requests[0]?.message.toString('latin1') ?? '';
    assert.match(text, /^Received: /);
    assert.ok(text.indexOf('Received:') < text.indexOf(ar) && text.indexOf(ar) < text.indexOf('Subject: hi'), text);
    assert.ok(text.endsWith('\r\n' + ar + 'Subject: hi\r\n\r\nbody\r\n'), text);
  });

  test('a message a check asked to hold is enqueued held, with a held event naming the check, and never handed off', async () => {
    const { store, requests } = recordingStore();
    const adopted: string[] = [];
    const i = new QueueIntake({
      store,
      aliases: compileAliases({}),
      transforms: standardIntakeTransforms('mx.baton.test'),
      clock,
      lifetimeMs: 86_400_000,
      logger: silentLogger(),
      handOff: { owner: 'me', leaseMs: 60_000, wants: () => true, adopt: (c) => void adopted.push(c.message.id) },
    });
    const id = await i.submit(submission('Subject: hi\r\n\r\nx\r\n', { hold: { check: 'mail-auth', reason: 'dmarc=fail (p=quarantine) header.from=remote.test' } }));
    const req = requests[0];
    assert.equal(req?.held, true);
    assert.deepEqual(req?.events?.map((e) => e.type), ['accepted', 'held']);
    assert.deepEqual(req?.events?.[1], { type: 'held', queueId: id, at: NOW, reason: 'mail-auth: dmarc=fail (p=quarantine) header.from=remote.test' });
    assert.deepEqual(adopted, [], 'a held message is not handed to the delivery engine');
  });
});
