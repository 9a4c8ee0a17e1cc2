import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { reportFixture } from '../../test/helpers/report-fixtures.js';
import { parseConfig } from '../config/index.js';
import { newQueueId, type QueueId } from '../core/index.js';
import { BounceClassifier } from '../delivery/index.js';
import { EventBus, type BatonEvent } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import { openStores, type Stores } from '../stores/index.js';
import { Suppressions } from '../suppression/index.js';
import { HardBounceFeeder } from './hard-bounce-feeder.js';
import { ReportProcessor } from './report-processor.js';
import { VerpTokens } from './verp-token.js';

const clock = { now: () => 1_796_032_800_000 };
const BOUNCE_DOMAIN = 'bounces.example.test';
const tokens = new VerpTokens([{ id: 'k1', secret: 'a secret of sixteen chars' }]);
const dir = mkdtempSync(join(tmpdir(), 'baton-reports-'));
let stores: Stores;
let suppressions: Suppressions;
const bus = new EventBus();

before(async () => {
  stores = await openStores(parseConfig({ queue: { path: join(dir, 'q.db') } }, dir), { clock, bus });
  suppressions = new Suppressions(stores.suppressions, stores.events, clock);
});
after(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const processor = (over: { bounceScope?: 'global' | 'domain' } = {}) =>
  new ReportProcessor({
    events: stores.events,
    suppressions,
    classifier: new BounceClassifier(),
    tokens,
    bounceDomain: BOUNCE_DOMAIN,
    bounceScope: over.bounceScope ?? 'global',
    complaintScope: 'global',
    clock,
    logger: silentLogger(),
  });

let seq = 0;
/** An original message as Baton recorded it: its accepted event (the queue row itself is gone after delivery). */
async function original(recipients: readonly string[], sender = 'news@example.test'): Promise<{ id: QueueId; returnPath: string }> {
  const id = newQueueId({ now: () => clock.now() + ++seq });
  await stores.events.append([{ type: 'accepted', queueId: id, at: clock.now(), sender, recipients, size: 100, origin: { kind: 'smtp', stream: 'bulk' } }]);
  return { id, returnPath: `bounce+${tokens.sign(id)}@${BOUNCE_DOMAIN}` };
}
async function eventsOf(id: string, type: BatonEvent['type']): Promise<BatonEvent[]> {
  return (await stores.events.eventsFor(id)).map((s) => s.event).filter((e) => e.type === type);
}
async function suppressed(address: string): Promise<string[]> {
  return (await stores.suppressions.list({ address, limit: 10 })).map((e) => `${e.reason}:${e.domain ?? 'global'}:${e.source ?? ''}`);
}
const dsn = (returnPath: string, rcpt: string, vars: Record<string, string> = {}) =>
  reportFixture('postfix-dsn.eml', { RETURN_PATH: returnPath, RCPT: rcpt, CODE: '550', STATUS: '5.1.1', ACTION: 'failed', TEXT: 'Recipient address rejected: User unknown in local recipient table', ...vars });

describe('inbound bounces', () => {
  test('a hard DSN (5.1.1) to the VERP address records bounce-received, classified, and suppresses the recipient', async () => {
    const o = await original(['gone@remote.test']);
    await processor().process({ content: dsn(o.returnPath, 'gone@remote.test'), targets: [{ kind: 'bounce', queueId: o.id }], clientIp: '127.0.0.1' });
    const [e] = await eventsOf(o.id, 'bounce-received');
    assert.deepEqual(e && { ...e, at: 0 }, {
      type: 'bounce-received',
      at: 0,
      queueId: o.id,
      recipient: 'gone@remote.test',
      format: 'dsn',
      action: 'failed',
      status: '5.1.1',
      diagnostic: '550 5.1.1 <gone@remote.test>: Recipient address rejected: User unknown in local recipient table',
      classification: { kind: 'hard', category: 'bad-mailbox', rule: 'status-bad-mailbox' },
      reportedBy: 'mx.remote.test',
    });
    assert.deepEqual(await suppressed('gone@remote.test'), [`hard-bounce:global:${o.id}`]);
  });

  test('a soft DSN (delayed, 4.2.2) is recorded and suppresses nothing', async () => {
    const o = await original(['full@remote.test']);
    await processor().process({ content: dsn(o.returnPath, 'full@remote.test', { ACTION: 'delayed', CODE: '452', STATUS: '4.2.2', TEXT: 'Mailbox full' }), targets: [{ kind: 'bounce', queueId: o.id }] });
    const [e] = await eventsOf(o.id, 'bounce-received');
    assert.equal(e?.type === 'bounce-received' && `${e.action} ${e.classification?.kind} ${e.classification?.category} ${e.recipient}`, 'delayed soft mailbox-full full@remote.test');
    assert.deepEqual(await suppressed('full@remote.test'), []);
  });

  test('a hard bounce for policy reasons (5.7.1 spam) is the sender\'s problem: recorded, not suppressed', async () => {
    const o = await original(['picky@remote.test']);
    await processor().process({ content: dsn(o.returnPath, 'picky@remote.test', { STATUS: '5.7.1', TEXT: 'Message rejected as spam' }), targets: [{ kind: 'bounce', queueId: o.id }] });
    const [e] = await eventsOf(o.id, 'bounce-received');
    assert.equal(e?.type === 'bounce-received' && e.classification?.category, 'spam-block');
    assert.deepEqual(await suppressed('picky@remote.test'), []);
  });

  test('a DSN naming an address the message was not sent to suppresses nothing (a recipient cannot get others suppressed)', async () => {
    const o = await original(['reader@remote.test']);
    await processor().process({ content: dsn(o.returnPath, 'victim@remote.test'), targets: [{ kind: 'bounce', queueId: o.id }] });
    const [e] = await eventsOf(o.id, 'bounce-received');
    assert.match(e?.type === 'bounce-received' ? (e.unmatched ?? '') : '', /victim@remote\.test is not a recipient/);
    assert.deepEqual(await suppressed('victim@remote.test'), []);
    assert.deepEqual(await suppressed('reader@remote.test'), []);
  });

  test('qmail and Exim bounces are matched by pattern; the domain scope takes the original sender\'s domain', async () => {
    const q = await original(['q@remote.test'], 'news@brand.example.test');
    await processor({ bounceScope: 'domain' }).process({ content: reportFixture('qmail-bounce.eml', { RETURN_PATH: q.returnPath, RCPT: 'q@remote.test' }), targets: [{ kind: 'bounce', queueId: q.id }] });
    assert.deepEqual(await suppressed('q@remote.test'), [`hard-bounce:brand.example.test:${q.id}`]);
    const x = await original(['x@remote.test']);
    await processor().process({ content: reportFixture('exim-bounce.eml', { RETURN_PATH: x.returnPath, RCPT: 'x@remote.test' }), targets: [{ kind: 'bounce', queueId: x.id }] });
    const [e] = await eventsOf(x.id, 'bounce-received');
    assert.equal(e?.type === 'bounce-received' && `${e.format} ${e.classification?.category}`, 'pattern bad-mailbox');
    assert.deepEqual(await suppressed('x@remote.test'), [`hard-bounce:global:${x.id}`]);
  });

  test('a message of the null sender (a DSN) is never suppressed for', async () => {
    const o = await original(['someone@remote.test'], '');
    await processor().process({ content: dsn(o.returnPath, 'someone@remote.test'), targets: [{ kind: 'bounce', queueId: o.id }] });
    assert.equal((await eventsOf(o.id, 'bounce-received')).length, 1);
    assert.deepEqual(await suppressed('someone@remote.test'), []);
  });

  test('an auto-reply is recorded as unrecognised, nothing suppressed', async () => {
    const o = await original(['ooo@remote.test']);
    await processor().process({ content: reportFixture('out-of-office.eml', { RETURN_PATH: o.returnPath }), targets: [{ kind: 'bounce', queueId: o.id }] });
    const [e] = await eventsOf(o.id, 'bounce-received');
    assert.equal(e?.type === 'bounce-received' && e.format, 'unrecognised');
    assert.deepEqual(await suppressed('ooo@remote.test'), []);
  });
});

describe('complaints', () => {
  const arf = (returnPath: string, rcpt: string, rcptToLine: string) => reportFixture('yahoo-arf.eml', { TO: 'fbl@example.test', RETURN_PATH: returnPath, RCPT: rcpt, RCPT_TO_LINE: rcptToLine });

  test('a Yahoo ARF report sent to the complaint address is matched by its Original-Mail-From token; the complainer is suppressed', async () => {
    const o = await original(['reader@yahoo.test']);
    await processor().process({ content: arf(o.returnPath, 'reader@yahoo.test', 'Original-Rcpt-To: <reader@yahoo.test>'), targets: [{ kind: 'complaint' }] });
    const [e] = await eventsOf(o.id, 'complained');
    assert.deepEqual(e && { ...e, at: 0 }, { type: 'complained', at: 0, queueId: o.id, recipient: 'reader@yahoo.test', feedbackType: 'abuse', reportedBy: 'Yahoo!-Mail-Feedback/2.0' });
    assert.deepEqual(await suppressed('reader@yahoo.test'), ['complaint:global:arf:Yahoo!-Mail-Feedback/2.0']);
  });

  test('without Original-Rcpt-To, the enclosed original\'s To names the complainer (when it is a recipient)', async () => {
    const o = await original(['a@yahoo.test', 'b@yahoo.test']);
    await processor().process({ content: arf(o.returnPath, 'b@yahoo.test', ''), targets: [{ kind: 'complaint' }] });
    assert.deepEqual(await suppressed('b@yahoo.test'), ['complaint:global:arf:Yahoo!-Mail-Feedback/2.0']);
    assert.deepEqual(await suppressed('a@yahoo.test'), []);
  });

  test('a report whose token is not ours matches nothing and suppresses nothing', async () => {
    const forged = `bounce+${newQueueId(clock).toLowerCase()}-k1-aaaaaaaaaa@${BOUNCE_DOMAIN}`;
    await processor().process({ content: arf(forged, 'reader2@yahoo.test', 'Original-Rcpt-To: <reader2@yahoo.test>'), targets: [{ kind: 'complaint' }] });
    assert.deepEqual(await suppressed('reader2@yahoo.test'), []);
  });
});

describe('the hard-bounce feeder', () => {
  test('a committed bounced event classified hard bad-mailbox suppresses the recipient; a policy bounce does not', async () => {
    const feeder = new HardBounceFeeder({ bus, events: stores.events, suppressions, scope: 'global', logger: silentLogger() });
    feeder.start();
    const o = await original(['dead@remote.test', 'blocked@remote.test']);
    const added = new Promise<void>((resolve) => {
      const off = bus.subscribe(['suppression-added'], (e) => {
        if (e.type === 'suppression-added' && e.address === 'dead@remote.test') {
          off();
          resolve();
        }
      });
    });
    const bounced = (recipient: string, category: string): BatonEvent => ({ type: 'bounced', queueId: o.id, at: clock.now(), recipient, attempt: 1, classification: { kind: 'hard', category } });
    await stores.events.append([bounced('blocked@remote.test', 'spam-block'), bounced('dead@remote.test', 'bad-mailbox')]);
    await added;
    await feeder.stop();
    assert.deepEqual(await suppressed('dead@remote.test'), [`hard-bounce:global:${o.id}`]);
    assert.deepEqual(await suppressed('blocked@remote.test'), []);
  });
});

describe('the report intake step', () => {
  test('report recipients are processed before submit resolves; the other recipients of the same message are queued as usual', async () => {
    const { ReportIntake } = await import('./report-intake.js');
    const { ReportAddresses } = await import('./report-addresses.js');
    const o = await original(['mixed@remote.test']);
    const queued: string[][] = [];
    // The queue's intake is a stand-in here: what it is handed is the point.
    const inner = { submit: async (sub: { recipients: readonly { address: { local: string; domain: string } }[] }) => (queued.push(sub.recipients.map((r) => `${r.address.local}@${r.address.domain}`)), newQueueId(clock)) };
    const intake = new ReportIntake(inner as never, new ReportAddresses(BOUNCE_DOMAIN, tokens, []), processor(), clock);
    const [local, domain] = o.returnPath.split('@') as [string, string];
    await intake.submit({
      mailFrom: null,
      recipients: [{ address: { local, domain } }, { address: { local: 'human', domain: 'example.test' } }],
      params: {},
      origin: { kind: 'smtp', clientIp: '127.0.0.2' },
      content: dsn(o.returnPath, 'mixed@remote.test'),
      isSubmission: false,
    });
    assert.deepEqual(queued, [['human@example.test']], 'only the human recipient is queued');
    assert.deepEqual(await suppressed('mixed@remote.test'), [`hard-bounce:global:${o.id}`], 'durable when submit resolved');
  });
});
