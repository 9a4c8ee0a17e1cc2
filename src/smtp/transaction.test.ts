import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReply, Replies, type Mailbox, type SmtpReply } from '../core/index.js';
import { silentLogger } from '../log/index.js';
import { StageChecks } from './policy/check-runner.js';
import { defenceDeps } from '../../test/helpers/defence-deps.js';
import { mailAuthDeps } from '../../test/helpers/mail-auth-deps.js';
import { scannerDeps } from '../../test/helpers/scanner-deps.js';
import { sessionFacts } from '../../test/helpers/session-facts.js';
import { containmentDeps, quotaDeps } from '../../test/helpers/quota-deps.js';
import { emptyCounts } from '../quotas/index.js';
import type { AnyCheck, SessionFacts } from './policy/check.js';
import { reputationDeps } from '../../test/helpers/reputation-deps.js';
import { builtInChecks } from './policy/checks/index.js';
import { Transaction } from './transaction.js';

const code = (r: SmtpReply): string => formatReply(r).slice(0, 9);

const DOMAINS = { localDomains: ['example.com'], relayDomains: ['partner.net'] };
const MAX = 3;
// mail-auth runs at the content stage, which these tests do not reach.
const mailAuth = mailAuthDeps();
const defences = defenceDeps().deps;
// Asynchronous checks (a store, DNS) have their own tests; these are the synchronous built-ins.
const ASYNC_CHECKS = new Set(['suppression', 'dnsbl', 'helo', 'unknown-sender', 'greylist']);
const syncChecks = (table: Record<string, AnyCheck>) => Object.values(table).filter((c) => !ASYNC_CHECKS.has(c.name));
const noSuppressions = { store: { matching: async () => new Map() }, clock: { now: () => 0 } };
// No session here has a user with limits: the quota checks answer continue without reading counters.
const quotas = quotaDeps({ get: () => emptyCounts(0), add: () => emptyCounts(0), flush: async () => {}, close: async () => {} }, { t: 0 });
const containment = containmentDeps();
const checks = new StageChecks(syncChecks(builtInChecks({ domains: DOMAINS, isKnownLocalRecipient: (m: Mailbox) => m.local !== 'nobody', mailAuth, suppression: noSuppressions, scanners: scannerDeps(), quotas, containment, ...reputationDeps(), defences })), {
  timeoutMs: 1000,
  logger: silentLogger(),
});
const session = sessionFacts;

/** RCPT as the session runs it: parse, the rcpt checks, then add (duplicates, the limit). */
function rcpt(tx: Transaction, args: string, s: SessionFacts = session(), postmaster?: Mailbox): SmtpReply {
  const parsed = tx.parseRecipient(args, postmaster);
  if (!parsed.ok) return parsed.reply;
  const outcome = checks.run('rcpt', { session: s, sender: tx.mailFrom, params: tx.params, recipient: parsed.recipient, accepted: tx.recipients });
  assert.ok(!(outcome instanceof Promise), 'the built-in checks answer at once');
  if (outcome.kind === 'refuse') return outcome.reply;
  return tx.add(parsed.recipient, MAX);
}

/** MAIL as the session runs it: parse, then the mail checks. */
function mail(args: string, s: SessionFacts = session()): { tx?: Transaction; reply?: SmtpReply } {
  const r = Transaction.begin(args, { maxSize: 1000 });
  if (!r.ok) return { reply: r.reply };
  const outcome = checks.run('mail', { session: s, sender: r.tx.mailFrom, params: r.tx.params });
  assert.ok(!(outcome instanceof Promise));
  return outcome.kind === 'refuse' ? { reply: outcome.reply } : { tx: r.tx };
}

function begin(args: string, s?: SessionFacts): Transaction {
  const r = mail(args, s);
  assert.ok(r.tx, `${args}: ${r.reply ? formatReply(r.reply) : ''}`);
  return r.tx;
}

function beginFails(args: string, s?: SessionFacts): string {
  const r = mail(args, s);
  assert.ok(r.reply, args);
  return code(r.reply);
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
  const user = session({ user: { name: 'alice', domains: ['example.com'] } });
  assert.equal(begin('<alice@example.com>', user).mailFrom?.domain, 'example.com');
  assert.equal(begin('<alice@EXAMPLE.com>', user).mailFrom?.domain, 'example.com');
  assert.equal(beginFails('<ceo@bank.example>', user), '553 5.7.1');
  assert.equal(beginFails('<>', user), '553 5.7.1');
  assert.equal(begin('<x@anything.net>', session({ user: { name: 'admin', domains: ['*'] } })).mailFrom?.domain, 'anything.net');
});

test('RCPT: accepted recipients are stored with their parameters', () => {
  const tx = begin('<a@b.c>');
  assert.equal(code(rcpt(tx, '<bob@example.com> NOTIFY=FAILURE ORCPT=rfc822;bob+40example.com')), '250 2.1.5');
  assert.deepEqual(tx.recipients, [{ address: { local: 'bob', domain: 'example.com' }, notify: ['FAILURE'], orcpt: 'rfc822;bob@example.com' }]);
});

test('duplicate recipients are stored once (domain case-insensitive, local part as given)', () => {
  const tx = begin('<a@b.c>');
  for (const r of ['<bob@example.com>', '<bob@EXAMPLE.com>', '<bob@example.com> NOTIFY=NEVER']) {
    assert.equal(code(rcpt(tx, r)), '250 2.1.5', r);
  }
  assert.equal(tx.recipients.length, 1);
  // RFC 5321 §2.4: the local part may be case-sensitive, so Bob is someone else.
  assert.equal(code(rcpt(tx, '<Bob@example.com>')), '250 2.1.5');
  assert.equal(tx.recipients.length, 2);
});

test('one recipient too many gets 452 4.5.3 and is not stored', () => {
  const tx = begin('<a@b.c>');
  for (const r of ['u1', 'u2', 'u3']) assert.equal(code(rcpt(tx, `<${r}@example.com>`)), '250 2.1.5');
  assert.equal(code(rcpt(tx, '<u4@example.com>')), '452 4.5.3');
  assert.equal(tx.recipients.length, 3);
});

test('RCPT refusals: syntax, null path, relay, unknown local user, non-ASCII, bad parameters', () => {
  const tx = begin('<a@b.c>');
  assert.equal(code(rcpt(tx, '<>')), '501 5.1.3');
  assert.equal(code(rcpt(tx, 'bob@example.com')), '501 5.1.3');
  assert.equal(code(rcpt(tx, '<victim@gmail.com>')), '554 5.7.1');
  assert.equal(code(rcpt(tx, '<victim%gmail.com@example.com>')), '554 5.7.1');
  assert.equal(code(rcpt(tx, '<x@[192.0.2.1]>')), '554 5.7.1');
  assert.equal(code(rcpt(tx, '<nobody@example.com>')), '550 5.1.1');
  assert.equal(code(rcpt(tx, '<nobody@partner.net>')), '250 2.1.5', 'relay domains are not checked locally');
  assert.equal(code(rcpt(tx, '<josé@example.com>')), '553 5.6.7');
  assert.equal(code(rcpt(tx, '<bob@example.com> NOTIFY=NEVER,DELAY')), '501 5.5.4');
  assert.equal(code(rcpt(tx, '<bob@example.com> XFOO=1')), '555 5.5.4');
  assert.deepEqual(tx.recipients.map((r) => r.address.domain), ['partner.net']);
});

test('trusted or authenticated clients relay; SMTPUTF8 transactions take non-ASCII recipients', () => {
  const tx = begin('<a@b.c> SMTPUTF8');
  assert.equal(code(rcpt(tx, '<v@gmail.com>', session({ trusted: true }))), '250 2.1.5');
  assert.equal(code(rcpt(tx, '<josé@bücher.de>', session({ user: { name: 'u', domains: ['b.c'] } }))), '250 2.1.5');
  assert.equal(tx.recipients.length, 2);
});

test('<Postmaster> without a domain is accepted as the postmaster of the first local domain (RFC 5321 §4.5.1)', () => {
  const tx = begin('<a@b.c>');
  const pm: Mailbox = { local: 'postmaster', domain: 'example.com' };
  assert.equal(code(rcpt(tx, '<Postmaster>', session(), pm)), '250 2.1.5');
  assert.equal(code(rcpt(tx, '<POSTMASTER> NOTIFY=NEVER', session(), pm)), '250 2.1.5', 'a duplicate, with parameters');
  assert.deepEqual(tx.recipients, [{ address: pm }]);
  assert.equal(code(rcpt(tx, '<Postmaster>', session())), '550 5.1.1', 'no local domain: no postmaster to deliver to');
  assert.equal(code(rcpt(tx, '<postmasterx>', session(), pm)), '501 5.1.3');
});

test('the postmaster of a local domain is accepted even where no mailbox of the domain is known', () => {
  const strict = new StageChecks(syncChecks(builtInChecks({ domains: DOMAINS, isKnownLocalRecipient: () => false, mailAuth, suppression: noSuppressions, scanners: scannerDeps(), quotas, containment, ...reputationDeps(), defences })), { timeoutMs: 1000, logger: silentLogger() });
  const ask = (address: string) => strict.run('rcpt', { session: session(), sender: null, params: {}, recipient: { address: { local: address, domain: 'example.com' } }, accepted: [] });
  assert.deepEqual(ask('someone'), { kind: 'refuse', reply: Replies.mailboxUnknown(), check: 'local-recipients' });
  assert.deepEqual(ask('PostMaster'), { kind: 'pass', edits: [] });
});

test('toSubmission carries the envelope', () => {
  const tx = begin('<a@b.c> RET=HDRS');
  rcpt(tx, '<bob@example.com>');
  const sub = tx.toSubmission(Buffer.from('x\r\n'), { kind: 'smtp', clientIp: '192.0.2.1' }, false, []);
  assert.deepEqual(sub.mailFrom, { local: 'a', domain: 'b.c' });
  assert.equal(sub.recipients.length, 1);
  assert.deepEqual(sub.params, { ret: 'HDRS' });
  assert.equal(sub.isSubmission, false);
  assert.equal(sub.content.toString(), 'x\r\n');
});
