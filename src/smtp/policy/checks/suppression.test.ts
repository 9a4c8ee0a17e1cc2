import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../../config/index.js';
import { formatReply, type Mailbox } from '../../../core/index.js';
import { silentLogger } from '../../../log/index.js';
import { openSqliteSuppressionStore, type SuppressionStore } from '../../../suppression/index.js';
import { mailAuthDeps } from '../../../../test/helpers/mail-auth-deps.js';
import { scannerDeps } from '../../../../test/helpers/scanner-deps.js';
import { reputationDeps } from '../../../../test/helpers/reputation-deps.js';
import { defenceDeps } from '../../../../test/helpers/defence-deps.js';
import { containmentDeps, quotaDeps } from '../../../../test/helpers/quota-deps.js';
import { emptyCounts } from '../../../quotas/index.js';
import { sessionFacts } from '../../../../test/helpers/session-facts.js';
import type { StageInputs } from '../check.js';
import { builtInChecks, checksByRole } from './index.js';
import { describeSuppression, suppressionCheck } from './suppression.js';

/** The `suppression` RCPT check on the real SQLite suppression store. */

const NOW = 1_800_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'baton-supp-check-'));
let store: SuppressionStore;
before(async () => {
  store = openSqliteSuppressionStore({ path: join(dir, 'queue.db') });
  await store.add([
    { address: 'gone@remote.test', reason: 'hard-bounce', createdAt: NOW },
    { address: 'unsub@remote.test', domain: 'brand.test', reason: 'unsubscribe', createdAt: NOW },
    { address: 'postmaster@remote.test', reason: 'manual', createdAt: NOW },
    { address: 'brief@remote.test', reason: 'manual', createdAt: NOW, expiresAt: NOW + 10 },
  ]);
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const mb = (s: string): Mailbox => {
  const [local, domain] = s.split('@') as [string, string];
  return { local, domain };
};
const alice = { name: 'alice', domains: ['brand.test'] };
const submission = sessionFacts({ listener: { address: '127.0.0.1:587', role: 'submission', allowPlaintextAuth: false }, tls: true, user: alice });

function rcpt(to: string, from: string | null = 'news@brand.test', session = submission): StageInputs['rcpt'] {
  return { session, sender: from === null ? null : mb(from), params: {}, recipient: { address: mb(to) }, accepted: [] };
}

async function wire(to: string, from: string | null = 'news@brand.test', session = submission, now = NOW): Promise<string> {
  const v = await suppressionCheck(store, () => now).run(rcpt(to, from, session));
  return v.kind === 'reject' ? formatReply(v.reply).trimEnd() : v.kind;
}

describe('suppression check (RCPT, authenticated submission)', () => {
  test('a globally suppressed recipient gets 550 5.7.1 saying it is suppressed and why', async () => {
    assert.equal(await wire('Gone@Remote.test'), '550 5.7.1 <Gone@Remote.test>: recipient is suppressed (mail to it bounced permanently); no mail will be sent to it');
  });

  test('a domain-scoped entry refuses mail from that domain and its subdomains, names the domain, and lets other senders through', async () => {
    assert.equal(await wire('unsub@remote.test'), '550 5.7.1 <unsub@remote.test>: recipient is suppressed (unsubscribed from brand.test); no mail will be sent to it');
    assert.match(await wire('unsub@remote.test', 'a@news.brand.test'), /^550 5\.7\.1 /);
    assert.equal(await wire('unsub@remote.test', 'a@other.test'), 'continue');
  });

  test('a recipient not listed, or whose entry expired, is not refused', async () => {
    assert.equal(await wire('fine@remote.test'), 'continue');
    assert.match(await wire('brief@remote.test', 'a@brand.test', submission, NOW + 9), /^550 /);
    assert.equal(await wire('brief@remote.test', 'a@brand.test', submission, NOW + 10), 'continue');
  });

  test('postmaster (any case) and the null reverse-path are exempt', async () => {
    assert.equal(await wire('POSTMASTER@remote.test'), 'continue');
    assert.equal(await wire('gone@remote.test', null), 'continue');
  });

  test('an unauthenticated session is left to intake (no reply reveals the list to strangers)', async () => {
    assert.equal(await wire('gone@remote.test', 'a@brand.test', sessionFacts()), 'continue');
    assert.equal(await wire('gone@remote.test', 'a@brand.test', sessionFacts({ trusted: true })), 'continue');
  });

  test('the check fails closed: a store that cannot answer makes the RCPT a 451, never a send', async () => {
    const broken = { matching: () => Promise.reject(new Error('database is locked')) };
    const checks = builtInChecks({ domains: { localDomains: [], relayDomains: [] }, isKnownLocalRecipient: () => true, mailAuth: mailAuthDeps(), suppression: { store: broken, clock: { now: () => NOW } }, scanners: scannerDeps(), quotas: quotaDeps({ get: () => emptyCounts(0), add: () => emptyCounts(0), flush: async () => {}, close: async () => {} }, { t: 0 }), containment: containmentDeps(), ...reputationDeps(), defences: defenceDeps().deps });
    const roles = checksByRole(parseConfig({ checks: { submission: ['suppression'] } }, '/tmp'), checks, silentLogger());
    const outcome = await roles.submission.run('rcpt', rcpt('x@remote.test'));
    assert.equal(outcome.kind === 'refuse' ? formatReply(outcome.reply).slice(0, 9) : outcome.kind, '451 4.3.0');
  });

  test('it is on by default for submission and submissions, not for mx', () => {
    const config = parseConfig({}, '/tmp');
    assert.ok(config.checks.submission.includes('suppression'));
    assert.ok(config.checks.submissions.includes('suppression'));
    assert.ok(!config.checks.mx.includes('suppression'));
  });

  test('every reason reads as words, with the scope when there is one', () => {
    assert.equal(describeSuppression({ reason: 'complaint' }), 'reported mail as spam');
    assert.equal(describeSuppression({ reason: 'complaint', domain: 'b.test' }), 'reported mail from b.test as spam');
    assert.equal(describeSuppression({ reason: 'manual', domain: 'b.test' }), 'listed by the operator for mail from b.test');
    assert.equal(describeSuppression({ reason: 'hard-bounce', domain: 'b.test' }), 'mail to it bounced permanently, for mail from b.test');
  });
});
