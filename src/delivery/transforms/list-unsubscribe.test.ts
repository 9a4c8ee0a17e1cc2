import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Origin, QueueId } from '../../core/index.js';
import type { MessageSummary, RecipientRow } from '../../queue/index.js';
import { UnsubscribeTokens } from '../../unsubscribe/index.js';
import { listUnsubscribeTransform } from './list-unsubscribe.js';
import { OutboundTransforms } from './outbound.js';

const T = Date.UTC(2026, 10, 30);
const tokens = new UnsubscribeTokens({ keys: [{ id: 'k1', secret: 'a-test-secret-0123456789' }], clock: { now: () => T } });
const transform = listUnsubscribeTransform({ tokens, baseUrl: 'https://news.example.com', mailtoDomain: 'unsub.example.com' });
const transforms = new OutboundTransforms([transform]);

const summary = (origin: Origin): MessageSummary =>
  ({ id: 'Q1' as QueueId, origin, envelope: { mailFrom: { local: 'news', domain: 'example.com' }, recipients: [], params: {} } }) as unknown as MessageSummary;
const row = (local: string) => ({ rowId: 1, address: { local, domain: 'example.org' } }) as RecipientRow;
const bulk = summary({ kind: 'smtp', stream: 'bulk' });
const stored = (extra = '') => Buffer.from(`From: news@example.com\r\n${extra}Subject: hi\r\n\r\nbody\r\n`);

async function send(message: MessageSummary, recipients: RecipientRow[], body: Buffer): Promise<string> {
  return Buffer.concat(await transforms.apply({ message, recipients, route: { kind: 'mx' } as never }, body)).toString('latin1');
}

test('a bulk recipient gets List-Unsubscribe with its own signed URL and mailto, and List-Unsubscribe-Post', async () => {
  const out = await send(bulk, [row('Bob')], stored());
  const m = /^List-Unsubscribe: <https:\/\/news\.example\.com\/u\/([A-Za-z0-9_-]+)>,\r\n <mailto:unsubscribe\+([A-Za-z0-9_-]+)@unsub\.example\.com>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nFrom: /.exec(out);
  assert.ok(m, out);
  assert.deepEqual(tokens.verify(m[1] as string), { ok: true, request: { address: 'bob@example.org', domain: 'example.com', issuedDay: T / 86_400_000, keyId: 'k1' } });
  assert.equal(tokens.verifyMailto(m[2] as string, 'bob@example.org').ok, true);
  const other = await send(bulk, [row('carol')], stored());
  assert.notEqual(/\/u\/([^>]+)>/.exec(other)?.[1], m[1], 'each recipient its own token');
});

test('transactional mail (no stream) is sent as stored, and only bulk asks for one recipient per transaction', async () => {
  const plain = summary({ kind: 'smtp' });
  assert.equal(await send(plain, [row('bob')], stored()), stored().toString('latin1'));
  assert.equal(transforms.perRecipient(plain), false);
  assert.equal(transforms.perRecipient(bulk), true);
  assert.equal(new OutboundTransforms([]).perRecipient(bulk), false);
});

test('a sender\'s valid pair is kept; an invalid one is replaced by ours', async () => {
  const valid = 'List-Unsubscribe: <https://esp.example.net/u/1>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n';
  assert.equal(await send(bulk, [row('bob')], stored(valid)), stored(valid).toString('latin1'));
  const mailtoOnly = 'List-Unsubscribe: <mailto:leave@example.com>\r\n';
  const out = await send(bulk, [row('bob')], stored(mailtoOnly));
  assert.equal(out.match(/^List-Unsubscribe:/gm)?.length, 1);
  assert.doesNotMatch(out, /leave@example\.com/);
  assert.match(out, /^List-Unsubscribe: <https:\/\/news\.example\.com\/u\//);
});

test('a job with several recipients, or a null sender, gets no field (never one recipient\'s token in another\'s copy)', async () => {
  assert.equal(await send(bulk, [row('bob'), row('carol')], stored()), stored().toString('latin1'));
  const nullSender = { ...bulk, envelope: { ...bulk.envelope, mailFrom: null } } as MessageSummary;
  assert.equal(await send(nullSender, [row('bob')], stored()), stored().toString('latin1'));
});

test('a sender\'s lone List-Unsubscribe-Post is replaced too, never doubled', async () => {
  const out = await send(bulk, [row('bob')], stored('List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n'));
  assert.equal(out.match(/^List-Unsubscribe-Post:/gim)?.length, 1);
  assert.equal(out.match(/^List-Unsubscribe:/gim)?.length, 1);
});
