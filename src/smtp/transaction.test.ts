import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReply, type Mailbox, type SmtpReply } from '../core/index.js';
import { Transaction, type RecipientChecks } from './transaction.js';

const code = (r: SmtpReply): string => formatReply(r).slice(0, 9);

const CHECKS: RecipientChecks = {
  standing: { authenticated: false, trusted: false },
  domains: { localDomains: ['example.com'], relayDomains: ['partner.net'] },
  maxRecipients: 3,
  isKnownLocalRecipient: (m: Mailbox) => m.local !== 'nobody',
};

function begin(args: string, opts: Partial<Parameters<typeof Transaction.begin>[1]> = {}): Transaction {
  const r = Transaction.begin(args, { maxSize: 1000, user: undefined, ...opts });
  assert.ok(r.ok, `${args}: ${r.ok ? '' : formatReply(r.reply)}`);
  return r.tx;
}

function beginFails(args: string, opts: Partial<Parameters<typeof Transaction.begin>[1]> = {}): string {
  const r = Transaction.begin(args, { maxSize: 1000, user: undefined, ...opts });
  assert.equal(r.ok, false, args);
  return r.ok ? '' : code(r.reply);
}

test('MAIL: sender, null sender and parameters', () => {
  const tx = begin('<Alice@Example.COM> SIZE=100 BODY=8BITMIME');
  assert.deepEqual(tx.mailFrom, { local: 'Alice', domain: 'example.com' });
  assert.deepEqual(tx.params, { size: 100, body: '8BITMIME' });
  assert.equal(begin('<>').mailFrom, null);
});

test('MAIL refusals: syntax, size, parameters, non-ASCII without SMTPUTF8', () => {
  assert.equal(beginFails('<bad address>'), '501 5.1.7');
  assert.equal(beginFails('<@route:a@b.c>'), '501 5.1.7');
  assert.equal(beginFails('<a@b.c> SIZE=1001'), '552 5.3.4');
  assert.equal(beginFails('<a@b.c> FOO=1'), '555 5.5.4');
  assert.equal(beginFails('<josé@example.com>'), '553 5.6.7');
  assert.equal(begin('<josé@example.com> SMTPUTF8').mailFrom?.local, 'josé');
});

test('an authenticated user may only send from their own domains (553 5.7.1), never with a null sender', () => {
  const user = { name: 'alice', domains: ['example.com'] };
  assert.equal(begin('<alice@example.com>', { user }).mailFrom?.domain, 'example.com');
  assert.equal(begin('<alice@EXAMPLE.com>', { user }).mailFrom?.domain, 'example.com');
  assert.equal(beginFails('<ceo@bank.example>', { user }), '553 5.7.1');
  assert.equal(beginFails('<>', { user }), '553 5.7.1');
  assert.equal(begin('<x@anything.net>', { user: { name: 'admin', domains: ['*'] } }).mailFrom?.domain, 'anything.net');
});

test('RCPT: accepted recipients are stored with their parameters', () => {
  const tx = begin('<a@b.c>');
  assert.equal(code(tx.addRecipient('<bob@example.com> NOTIFY=FAILURE ORCPT=rfc822;bob+40example.com', CHECKS)), '250 2.1.5');
  assert.deepEqual(tx.recipients, [{ address: { local: 'bob', domain: 'example.com' }, notify: ['FAILURE'], orcpt: 'rfc822;bob@example.com' }]);
});

test('duplicate recipients are stored once (domain case-insensitive, local part as given)', () => {
  const tx = begin('<a@b.c>');
  for (const r of ['<bob@example.com>', '<bob@EXAMPLE.com>', '<bob@example.com> NOTIFY=NEVER']) {
    assert.equal(code(tx.addRecipient(r, CHECKS)), '250 2.1.5', r);
  }
  assert.equal(tx.recipients.length, 1);
  // RFC 5321 §2.4: the local part may be case-sensitive, so Bob is someone else.
  assert.equal(code(tx.addRecipient('<Bob@example.com>', CHECKS)), '250 2.1.5');
  assert.equal(tx.recipients.length, 2);
});

test('one recipient too many gets 452 4.5.3 and is not stored', () => {
  const tx = begin('<a@b.c>');
  for (const r of ['u1', 'u2', 'u3']) assert.equal(code(tx.addRecipient(`<${r}@example.com>`, CHECKS)), '250 2.1.5');
  assert.equal(code(tx.addRecipient('<u4@example.com>', CHECKS)), '452 4.5.3');
  assert.equal(tx.recipients.length, 3);
});

test('RCPT refusals: syntax, null path, relay, unknown local user, non-ASCII, bad parameters', () => {
  const tx = begin('<a@b.c>');
  assert.equal(code(tx.addRecipient('<>', CHECKS)), '501 5.1.3');
  assert.equal(code(tx.addRecipient('bob@example.com', CHECKS)), '501 5.1.3');
  assert.equal(code(tx.addRecipient('<victim@gmail.com>', CHECKS)), '554 5.7.1');
  assert.equal(code(tx.addRecipient('<victim%gmail.com@example.com>', CHECKS)), '554 5.7.1');
  assert.equal(code(tx.addRecipient('<x@[192.0.2.1]>', CHECKS)), '554 5.7.1');
  assert.equal(code(tx.addRecipient('<nobody@example.com>', CHECKS)), '550 5.1.1');
  assert.equal(code(tx.addRecipient('<nobody@partner.net>', CHECKS)), '250 2.1.5', 'relay domains are not checked locally');
  assert.equal(code(tx.addRecipient('<josé@example.com>', CHECKS)), '553 5.6.7');
  assert.equal(code(tx.addRecipient('<bob@example.com> NOTIFY=NEVER,DELAY', CHECKS)), '501 5.5.4');
  assert.equal(code(tx.addRecipient('<bob@example.com> XFOO=1', CHECKS)), '555 5.5.4');
  assert.deepEqual(tx.recipients.map((r) => r.address.domain), ['partner.net']);
});

test('trusted or authenticated clients relay; SMTPUTF8 transactions take non-ASCII recipients', () => {
  const trusted = { ...CHECKS, standing: { authenticated: false, trusted: true } };
  const tx = begin('<a@b.c> SMTPUTF8');
  assert.equal(code(tx.addRecipient('<v@gmail.com>', trusted)), '250 2.1.5');
  assert.equal(code(tx.addRecipient('<josé@bücher.de>', trusted)), '250 2.1.5');
  assert.equal(tx.recipients.length, 2);
});

test('toSubmission carries the envelope', () => {
  const tx = begin('<a@b.c> RET=HDRS');
  tx.addRecipient('<bob@example.com>', CHECKS);
  const sub = tx.toSubmission(Buffer.from('x\r\n'), { kind: 'smtp', clientIp: '192.0.2.1' }, false);
  assert.deepEqual(sub.mailFrom, { local: 'a', domain: 'b.c' });
  assert.equal(sub.recipients.length, 1);
  assert.deepEqual(sub.params, { ret: 'HDRS' });
  assert.equal(sub.isSubmission, false);
  assert.equal(sub.content.toString(), 'x\r\n');
});
