import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeReply } from '../../core/index.js';
import { BounceClassifier, codePattern, statusPattern, suppressesAddress, type BounceCategory, type BounceKind } from './classify.js';

/** Real-world replies, as the providers word them (status `-`: none was sent). */
const cases: readonly [string, number, string | undefined, string, BounceKind, BounceCategory][] = [
  // Gmail
  ['gmail', 550, '5.1.1', "The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos", 'hard', 'bad-mailbox'],
  ['gmail', 550, '5.2.1', 'The email account that you tried to reach is disabled.', 'hard', 'bad-mailbox'],
  ['gmail', 452, '4.2.2', 'The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp', 'soft', 'mailbox-full'],
  ['gmail', 550, '5.7.1', 'Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.', 'hard', 'spam-block'],
  ['gmail', 421, '4.7.28', 'Our system has detected an unusual rate of unsolicited mail originating from your IP address.', 'soft', 'throttled'],
  ['gmail', 450, '4.2.1', 'The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.', 'soft', 'throttled'],
  ['gmail', 550, '5.7.26', 'This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.', 'hard', 'auth-failure'],
  ['gmail', 550, '5.7.25', 'The IP address sending this message does not have a PTR record setup', 'hard', 'auth-failure'],
  ['gmail', 552, '5.3.4', "Your message exceeded Google's message size limits.", 'hard', 'content'],
  ['gmail', 552, '5.7.0', 'This message was blocked because its content presents a potential security issue.', 'hard', 'content'],
  ['gmail', 550, '5.7.1', '[192.0.2.1] Messages missing a valid Message-ID header are not accepted.', 'hard', 'content'],
  // Microsoft (Outlook.com, Exchange Online)
  ['microsoft', 550, '5.5.0', 'Requested action not taken: mailbox unavailable (S2017062302).', 'hard', 'bad-mailbox'],
  ['microsoft', 550, '5.1.10', 'RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 'hard', 'bad-mailbox'],
  ['microsoft', 550, '5.4.1', 'Recipient address rejected: Access denied. AS(201806281)', 'hard', 'bad-mailbox'],
  ['microsoft', 550, '5.7.1', "Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).", 'hard', 'spam-block'],
  ['microsoft', 451, '4.7.650', 'The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.', 'soft', 'throttled'],
  ['microsoft', 550, '5.7.515', "Access denied, sending domain example.com doesn't meet the required authentication level.", 'hard', 'auth-failure'],
  ['microsoft', 550, '5.7.606', 'Access denied, banned sending IP [192.0.2.1].', 'hard', 'spam-block'],
  ['microsoft', 554, '5.2.2', 'mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException', 'soft', 'mailbox-full'],
  ['microsoft', 452, '4.3.1', 'Insufficient system resources', 'soft', 'transient'],
  // Yahoo
  ['yahoo', 554, undefined, "delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - mta1234.mail.bf1.yahoo.com", 'hard', 'bad-mailbox'],
  ['yahoo', 421, '4.7.0', '[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1', 'soft', 'throttled'],
  ['yahoo', 553, '5.7.1', "[BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list", 'hard', 'spam-block'],
  ['yahoo', 554, '5.7.9', 'Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes', 'hard', 'policy'],
  ['yahoo', 550, '5.7.9', 'This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.', 'hard', 'auth-failure'],
  ['yahoo', 552, undefined, '1 Requested mail action aborted, mailbox not found', 'hard', 'bad-mailbox'],
  // Postfix
  ['postfix', 550, '5.1.1', '<x@y.test>: Recipient address rejected: User unknown in local recipient table', 'hard', 'bad-mailbox'],
  ['postfix', 450, '4.1.1', '<x@y.test>: Recipient address rejected: User unknown in virtual mailbox table', 'soft', 'bad-mailbox'],
  ['postfix', 450, '4.1.2', '<x@nowhere.test>: Recipient address rejected: Domain not found', 'soft', 'bad-domain'],
  ['postfix', 550, '5.4.4', '<x@nowhere.test>: Host or domain name not found. Name service error for name=nowhere.test type=A: Host not found', 'hard', 'bad-domain'],
  ['postfix', 554, '5.7.1', '<x@y.test>: Relay access denied', 'hard', 'policy'],
  ['postfix', 450, '4.7.1', 'Client host rejected: cannot find your hostname, [192.0.2.1]', 'soft', 'policy'],
  ['postfix', 450, '4.2.0', '<x@y.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/', 'soft', 'transient'],
  ['postfix', 552, '5.3.4', 'Message size exceeds fixed limit', 'hard', 'content'],
  ['postfix', 554, '5.7.1', 'Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'hard', 'spam-block'],
  ['postfix', 452, '4.3.1', 'Insufficient system storage', 'soft', 'transient'],
  ['postfix', 556, '5.1.10', '<x@nomail.test>: Recipient address rejected: Domain nomail.test does not accept mail (nullMX)', 'hard', 'bad-domain'],
  // Exim
  ['exim', 550, undefined, 'Unrouteable address', 'hard', 'bad-mailbox'],
  ['exim', 550, undefined, 'No Such User Here', 'hard', 'bad-mailbox'],
  ['exim', 550, undefined, 'Administrative prohibition', 'hard', 'policy'],
  ['exim', 552, undefined, 'Message size exceeds maximum permitted', 'hard', 'content'],
  ['exim', 550, undefined, 'rejected because 192.0.2.1 is in a black list at zen.spamhaus.org', 'hard', 'spam-block'],
  ['exim', 451, undefined, 'Temporary local problem - please try later', 'soft', 'transient'],
  ['exim', 550, '5.7.0', 'This message contains a virus (Eicar-Test-Signature) and has been rejected', 'hard', 'content'],
  ['exim', 550, undefined, 'mailbox is full', 'soft', 'mailbox-full'],
  // qmail and the rest
  ['qmail', 550, undefined, 'Sorry, no mailbox here by that name. (#5.1.1)', 'hard', 'bad-mailbox'],
  ['generic', 554, '5.0.0', 'Transaction failed', 'hard', 'unknown'],
  ['generic', 451, '4.4.2', 'Connection dropped', 'soft', 'transient'],
  ['generic', 550, '5.1.1', 'spam', 'hard', 'bad-mailbox'], // a specific status wins over wording
];

describe('bounce classification of real replies', () => {
  const classifier = new BounceClassifier();
  for (const [who, code, status, text, kind, category] of cases) {
    test(`${who}: ${code} ${status ?? '-'} "${text.slice(0, 60)}" is ${kind} ${category}`, () => {
      const got = classifier.classify(makeReply(code, status, text));
      assert.deepEqual({ kind: got.kind, category: got.category }, { kind, category }, `matched rule ${got.rule}`);
    });
  }
  test('no reply at all (a connection error) is soft transient', () => {
    assert.deepEqual(classifier.classify(undefined), { kind: 'soft', category: 'transient', rule: 'no-reply' });
  });
});

describe('operator rules', () => {
  test('go before the shipped ones and may give the kind', () => {
    const c = new BounceClassifier([{ name: 'our-mx-quirk', code: '550', text: /mailbox unavailable/i, kind: 'soft', category: 'transient' }]);
    assert.deepEqual(c.classify(makeReply(550, '5.5.0', 'Requested action not taken: mailbox unavailable')), { kind: 'soft', category: 'transient', rule: 'our-mx-quirk' });
    // Other replies still reach the shipped table.
    assert.equal(c.classify(makeReply(550, '5.1.1', 'User unknown')).category, 'bad-mailbox');
  });
  test('a bad pattern is refused with the rule named', () => {
    assert.throws(() => new BounceClassifier([{ name: 'typo', status: '5.1', category: 'policy' }]), /bounce rule "typo": status "5.1"/);
    assert.throws(() => new BounceClassifier([{ name: 'typo2', code: '5.5', category: 'policy' }]), /bounce rule "typo2": code/);
  });
  test('patterns: x is a digit, * a whole part', () => {
    assert.ok(codePattern('5xx')?.test('554'));
    assert.ok(!codePattern('5xx')?.test('454'));
    assert.ok(statusPattern('x.7.5xx')?.test('4.7.650') === false);
    assert.ok(statusPattern('x.7.6xx')?.test('4.7.650'));
    assert.ok(statusPattern('5.7.*')?.test('5.7.1'));
    assert.ok(!statusPattern('5.7.*')?.test('5.1.1'));
  });
});

describe('suppressesAddress', () => {
  test('only hard bad-mailbox or bad-domain failures suppress the address', () => {
    const c = new BounceClassifier();
    const s = (code: number, status: string, text: string) => suppressesAddress(c.classify(makeReply(code, status, text)));
    assert.equal(s(550, '5.1.1', 'unknown'), true);
    assert.equal(s(550, '5.1.2', 'no domain'), true);
    assert.equal(s(450, '4.1.1', 'unknown for now'), false);
    assert.equal(s(552, '5.2.2', 'full'), false);
    assert.equal(s(550, '5.7.1', 'spam'), false);
    assert.equal(s(550, '5.7.26', 'DMARC'), false);
  });
});
