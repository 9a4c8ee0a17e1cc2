import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHECK_NAMES, parseConfig } from '../../../config/index.js';
import { Replies } from '../../../core/index.js';
import { silentLogger } from '../../../log/index.js';
import { defenceDeps } from '../../../../test/helpers/defence-deps.js';
import { mailAuthDeps } from '../../../../test/helpers/mail-auth-deps.js';
import { scannerDeps } from '../../../../test/helpers/scanner-deps.js';
import { reputationDeps } from '../../../../test/helpers/reputation-deps.js';
import { sessionFacts } from '../../../../test/helpers/session-facts.js';
import { containmentDeps, quotaDeps } from '../../../../test/helpers/quota-deps.js';
import { emptyCounts } from '../../../quotas/index.js';
import { builtInChecks, checksByRole, formatProblem, MAX_HOPS } from './index.js';

const session = sessionFacts();
const noSuppressions = { store: { matching: async () => new Map() }, clock: { now: () => 0 } };
const checks = builtInChecks({ domains: { localDomains: ['example.com'], relayDomains: [] }, isKnownLocalRecipient: () => true, mailAuth: mailAuthDeps(), quotas: quotaDeps({ get: () => emptyCounts(0), add: () => emptyCounts(0), flush: async () => {}, close: async () => {} }, { t: 0 }), containment: containmentDeps(), suppression: noSuppressions, scanners: scannerDeps(), ...reputationDeps(), defences: defenceDeps().deps });
const content = (message: string, facts = {}, params = {}) => ({ session, sender: null, params, recipients: [], message: Buffer.from(message), facts });

describe('built-in checks', () => {
  test('the table holds exactly the names the config accepts, each at its stage', () => {
    assert.deepEqual(Object.keys(checks).sort(), [...CHECK_NAMES].sort());
    for (const [name, check] of Object.entries(checks)) assert.equal(check.name, name);
    assert.deepEqual(Object.fromEntries(Object.values(checks).map((c) => [c.name, c.stage])), {
      'sender-ownership': 'mail',
      'relay-access': 'rcpt',
      'local-recipients': 'rcpt',
      'message-format': 'content',
      'hop-limit': 'content',
      'mail-auth': 'content',
      'report-addresses': 'rcpt',
      suppression: 'rcpt',
      rspamd: 'content',
      clamav: 'content',
      'sending-quota': 'mail',
      'recipient-quota': 'rcpt',
      containment: 'content',
      dnsbl: 'connect',
      helo: 'helo',
      'unknown-sender': 'mail',
      greylist: 'rcpt',
      'connection-rate': 'connect',
      pregreet: 'connect',
      'message-rate': 'mail',
      'recipient-rate': 'rcpt',
      milter: 'content',
      'auth-failures': 'auth',
      'unsubscribe-mailto': 'rcpt',
    });
  });

  test(`hop-limit refuses ${MAX_HOPS} or more Received fields with 554 5.4.6 (RFC 5321 §6.3)`, () => {
    const withReceived = (n: number) => `${'Received: from a by b; Tue, 14 Nov 2023 22:13:20 +0000\r\n'.repeat(n)}Subject: loop\r\n\r\nReceived: in body\r\n`;
    assert.deepEqual(checks['hop-limit'].run(content(withReceived(49)) as never), { kind: 'continue' });
    assert.deepEqual(checks['hop-limit'].run(content(withReceived(50)) as never), { kind: 'reject', reply: Replies.tooManyHops() });
  });

  test('message-format names the first problem by position; 8-bit passes with 8BITMIME or SMTPUTF8', () => {
    assert.equal(formatProblem({}, {}), undefined);
    assert.equal(formatProblem({ firstNul: 5, firstEightBit: 3 }, {}), 'eight-bit');
    assert.equal(formatProblem({ firstNul: 5, firstEightBit: 3 }, { body: '8BITMIME' }), 'nul');
    assert.equal(formatProblem({ firstEightBit: 3 }, { smtputf8: true }), undefined);
    assert.equal(formatProblem({ firstLongLine: 7, firstNul: 7, firstEightBit: 7 }, {}), 'line-too-long', 'at one position: line, NUL, 8-bit');
    assert.deepEqual(checks['message-format'].run(content('x', { firstNul: 0 }) as never), { kind: 'reject', reply: Replies.nulInData() });
  });

  test('checksByRole builds each role from its own list', async () => {
    const config = parseConfig({ checks: { mx: ['relay-access'], submission: [] } }, '/tmp');
    const roles = checksByRole(config, checks, silentLogger());
    const rcpt = { session, sender: null, params: {}, recipient: { address: { local: 'v', domain: 'gmail.test' } }, accepted: [] };
    assert.equal((await roles.mx.run('rcpt', rcpt)).kind, 'refuse');
    assert.equal((await roles.submission.run('rcpt', rcpt)).kind, 'pass', 'no checks: nothing refused');
    assert.equal((await roles.submissions.run('rcpt', rcpt)).kind, 'refuse', 'the default list');
  });

  test('the config refuses unknown check names and a name given twice', () => {
    assert.throws(() => parseConfig({ checks: { mx: ['relay-acess'] } }, '/tmp'), /checks\.mx/);
    assert.throws(() => parseConfig({ checks: { mx: ['relay-access', 'relay-access'] } }, '/tmp'), /at most once/);
  });
});
