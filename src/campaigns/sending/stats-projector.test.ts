import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeReply } from '../../core/index.js';
import type { BatonEvent } from '../../events/index.js';
import { mergeDeltas } from './campaign-rows.js';
import { campaignDeltas } from './stats-projector.js';

const store = {
  campaignsOf: async (ids: readonly string[]) => new Map(ids.filter((q) => q.startsWith('C')).map((q) => [q, Number(q.slice(1, 2))])),
  latestCampaignTo: async (address: string) => (address === 'u@x.test' ? 2 : undefined),
};

test('events of campaign messages count for their campaign; other mail counts for none', async () => {
  const at = 1;
  const events: BatonEvent[] = [
    { type: 'accepted', queueId: 'C1a', at, sender: 's@shop.test', recipients: ['a@x.test'], size: 1, origin: { kind: 'api' } },
    { type: 'accepted', queueId: 'other', at, sender: 's@shop.test', recipients: ['b@x.test'], size: 1, origin: { kind: 'api' } },
    { type: 'delivered', queueId: 'C1a', at, recipient: 'a@x.test', attempt: 1, reply: makeReply(250, '2.0.0', 'Ok') },
    { type: 'deferred', queueId: 'C1b', at, recipient: 'b@x.test', attempt: 1, error: 'refused', nextAttemptAt: 2 },
    { type: 'bounced', queueId: 'C1b', at, recipient: 'b@x.test', attempt: 2, reply: makeReply(550, '5.1.1', 'no'), classification: { kind: 'hard', category: 'bad-mailbox' } },
    { type: 'bounced', queueId: 'C2c', at, recipient: 'c@x.test', attempt: 2, reply: makeReply(552, '5.2.2', 'full'), classification: { kind: 'soft', category: 'mailbox-full' } },
    { type: 'bounced', queueId: 'other', at, recipient: 'd@x.test', attempt: 1, reply: makeReply(550, '5.1.1', 'no') },
    { type: 'complained', queueId: 'C2c', at, recipient: 'c@x.test' },
    { type: 'suppression-added', at, address: 'u@x.test', reason: 'unsubscribe', source: 'one-click' },
    { type: 'suppression-added', at, address: 'u@x.test', reason: 'hard-bounce' },
    { type: 'suppression-added', at, address: 'nobody@x.test', reason: 'unsubscribe' },
  ];
  const deltas = mergeDeltas(await campaignDeltas(store, events.map((event, i) => ({ id: i + 1, event }))));
  assert.deepEqual(deltas, [
    { campaignId: 1, counts: { sent: 1, delivered: 1, deferred: 1, hard: 1 }, categories: { 'bad-mailbox': 1 } },
    { campaignId: 2, counts: { soft: 1, complained: 1, unsubscribed: 1 }, categories: { 'mailbox-full': 1 } },
  ]);
});
