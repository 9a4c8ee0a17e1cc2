import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeReply } from '../../core/index.js';
import { classifyBounce, isHardBounce, type BounceCategory } from './classify.js';

const cases: readonly [number, string | undefined, string, BounceCategory][] = [
  [550, '5.1.1', 'The email account that you tried to reach does not exist', 'bad-mailbox'],
  [550, '5.1.1', 'spam', 'bad-mailbox'], // a specific status wins over wording
  [556, '5.1.10', 'Recipient address has null MX', 'bad-mailbox'],
  [550, '5.1.6', 'Mailbox has moved', 'bad-mailbox'],
  [550, '5.2.1', 'The email account that you tried to reach is disabled', 'bad-mailbox'],
  [450, '4.2.1', 'The user you are trying to contact is receiving mail at a rate that prevents additional messages', 'policy'],
  [550, '5.1.2', 'Host unknown', 'bad-domain'],
  [552, '5.2.2', 'Mailbox full', 'quota'],
  [452, '4.2.2', 'The email account that you tried to reach is over quota', 'quota'],
  [552, '5.3.4', 'Message size exceeds fixed limit', 'message-size'],
  [552, '5.2.3', 'Message length exceeds administrative limit', 'message-size'],
  [550, '5.7.1', 'Message rejected as spam', 'spam'],
  [554, '5.7.1', 'Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'spam'],
  [550, '5.7.26', 'Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy', 'policy'],
  [554, '5.7.1', 'Relay access denied', 'policy'],
  [451, '4.7.1', 'Greylisted, please try again later', 'policy'],
  [550, undefined, 'User unknown', 'bad-mailbox'],
  [550, undefined, 'No such user here', 'bad-mailbox'],
  [550, '5.0.0', '<x@y.test>: Recipient address rejected: User unknown in local recipient table', 'bad-mailbox'],
  [552, undefined, 'Requested mail action aborted: mailbox full', 'quota'],
  [552, undefined, 'Message too large', 'message-size'],
  [554, undefined, 'Your IP is listed on a block list', 'spam'],
  [554, '5.0.0', 'Transaction failed', 'other'],
  [451, '4.3.0', 'Temporary local problem', 'other'],
];

describe('classifyBounce', () => {
  for (const [code, status, text, want] of cases) {
    test(`${code} ${status ?? '-'} "${text}" is ${want}`, () => {
      assert.equal(classifyBounce(makeReply(code, status, text)), want);
    });
  }
  test('no reply (connection error) is other', () => {
    assert.equal(classifyBounce(undefined), 'other');
  });
});

describe('isHardBounce', () => {
  test('only permanent bad-mailbox or bad-domain failures suppress the address', () => {
    assert.equal(isHardBounce(makeReply(550, '5.1.1', 'unknown')), true);
    assert.equal(isHardBounce(makeReply(550, '5.1.2', 'no domain')), true);
    assert.equal(isHardBounce(makeReply(450, '4.1.1', 'unknown for now')), false);
    assert.equal(isHardBounce(makeReply(552, '5.2.2', 'full')), false);
    assert.equal(isHardBounce(makeReply(550, '5.7.1', 'spam')), false);
    assert.equal(isHardBounce(undefined), false);
  });
});
