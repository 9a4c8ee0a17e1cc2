import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Replies, type Mailbox } from '../../../core/index.js';
import { sessionFacts } from '../../../../test/helpers/session-facts.js';
import { unsubscribeMailtoCheck } from './unsubscribe-mailto.js';

const mailto = {
  isMailtoDomain: (d: string) => d.toLowerCase() === 'unsub.example.com',
  request: (rcpt: Mailbox, sender: Mailbox | null) => (rcpt.local === 'unsubscribe+good' && sender?.local === 'bob' ? { address: 'bob@example.org' } : undefined),
};
const input = (local: string, domain: string, sender: Mailbox | null = { local: 'bob', domain: 'example.org' }) =>
  ({ session: sessionFacts(), sender, params: {}, recipient: { address: { local, domain } }, accepted: [] }) as never;

test('unsubscribe-mailto: a token that verifies for the sender passes; anything else of the domain gets 550 5.1.1', () => {
  const check = unsubscribeMailtoCheck(mailto);
  assert.deepEqual(check.run(input('unsubscribe+good', 'unsub.example.com')), { kind: 'continue' });
  const refused = { kind: 'reject', reply: Replies.mailboxUnknown() };
  assert.deepEqual(check.run(input('unsubscribe+good', 'UNSUB.example.com', { local: 'eve', domain: 'example.org' })), refused);
  assert.deepEqual(check.run(input('unsubscribe+good', 'unsub.example.com', null)), refused);
  assert.deepEqual(check.run(input('alice', 'unsub.example.com')), refused);
});

test('unsubscribe-mailto: other domains, the postmaster, and a node without a mailto domain are not its business', () => {
  assert.deepEqual(unsubscribeMailtoCheck(mailto).run(input('alice', 'example.com')), { kind: 'continue' });
  assert.deepEqual(unsubscribeMailtoCheck(mailto).run(input('Postmaster', 'unsub.example.com')), { kind: 'continue' });
  assert.deepEqual(unsubscribeMailtoCheck(undefined).run(input('unsubscribe+x', 'unsub.example.com')), { kind: 'continue' });
});
