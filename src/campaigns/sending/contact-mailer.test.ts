import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiProblem } from '../../api/problem.js';
import type { OutgoingMessage } from '../../api/send/api-sender.js';
import { ALREADY_SENT } from '../../queue/index.js';
import type { ContactMailRequest } from '../types.js';
import { CampaignContactMailer, parseFrom } from './contact-mailer.js';

const contact = { id: 7, address: 'ann@x.test', attributes: { first_name: 'Ann' }, createdAt: 1, updatedAt: 1 };
const req: ContactMailRequest = { contact, templateId: 3, from: 'Shop <news@shop.test>', stream: 'bulk', pool: 'warm', sendLog: { scope: 'campaign:1', key: '7' }, apiKey: 'marketing', metadata: { campaign: '1' } };

function mailer(send: (msg: OutgoingMessage) => unknown, opts: { key?: boolean } = {}) {
  const seen: { url?: string | undefined; msgs: OutgoingMessage[] } = { msgs: [] };
  const m = new CampaignContactMailer({
    hostname: 'baton.test',
    clock: { now: () => 1_800_000_000_000 },
    callerFor: async (name) => (opts.key === false ? undefined : { keyId: 'k', name, scopes: ['send'], domains: ['shop.test'] }),
    unsubscribeUrl: (address, domain) => `https://u.test/u/${address}/${domain}`,
    render: async (_id, ctx) => {
      seen.url = ctx.unsubscribeUrl;
      return ctx.contact.attributes['first_name'] === 'broken' ? { kind: 'render-failed', part: 'html', reason: 'bad' } : { subject: 'Hi', text: 'Hello', html: '<p>Hello</p>' };
    },
    sender: {
      sendPrepared: async (_caller, msg) => {
        seen.msgs.push(msg);
        return send(msg) as never;
      },
    },
  });
  return { m, seen };
}

test('parseFrom reads "Name <a@b>" and "a@b", and nothing else', () => {
  assert.deepEqual(parseFrom('Shop <news@shop.test>'), { name: 'Shop', address: 'news@shop.test' });
  assert.deepEqual(parseFrom('"Shop, Inc" <news@shop.test>'), { name: 'Shop, Inc', address: 'news@shop.test' });
  assert.deepEqual(parseFrom('news@shop.test'), { address: 'news@shop.test' });
  assert.equal(parseFrom('Shop'), undefined);
});

test('queued: rendered, composed and sent with the send log, stream, pool and the header unsubscribe URL', async () => {
  const { m, seen } = mailer(() => ({ id: 'Q1', recipients: [{ address: 'ann@x.test', status: 'queued' }] }));
  assert.deepEqual(await m.send(req), { kind: 'queued', queueId: 'Q1' });
  assert.equal(seen.url, 'https://u.test/u/ann@x.test/shop.test');
  const msg = seen.msgs[0] as OutgoingMessage;
  assert.deepEqual(msg.sendLog, req.sendLog);
  assert.equal(msg.stream, 'bulk');
  assert.equal(msg.pool, 'warm');
  assert.equal(`${msg.mailFrom.local}@${msg.mailFrom.domain}`, 'news@shop.test');
  assert.match(msg.content.toString(), /^From: Shop <news@shop\.test>\r$/m);
});

test('refusals map to outcomes: already sent, suppressed, temporary, permanent; a render failure sends nothing', async () => {
  const outcome = (err: unknown) => mailer(() => Promise.reject(err)).m.send(req);
  assert.deepEqual(await outcome(Object.assign(new Error('dup'), { code: ALREADY_SENT })), { kind: 'already-sent' });
  assert.deepEqual(await outcome(new ApiProblem('rejected', 'every recipient was refused', { recipients: [{ address: 'ann@x.test', status: 'suppressed', reason: '550 5.7.1 suppressed' }] })), {
    kind: 'suppressed',
    reason: '550 5.7.1 suppressed',
  });
  assert.deepEqual(await outcome(new ApiProblem('quota-exceeded', '452 quota')), { kind: 'refused', reason: '452 quota', temporary: true });
  assert.deepEqual(await outcome(new ApiProblem('rejected', '550 sender not allowed')), { kind: 'refused', reason: '550 sender not allowed', temporary: false });
  const { m, seen } = mailer(() => ({ id: 'Q' }));
  assert.deepEqual(await m.send({ ...req, contact: { ...contact, attributes: { first_name: 'broken' } } }), { kind: 'render-failed', part: 'html', reason: 'bad' });
  assert.equal(seen.msgs.length, 0);
  const gone = mailer(() => ({ id: 'Q' }), { key: false });
  assert.equal((await gone.m.send(req)).kind, 'refused');
});
