import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyHeaderEdits, Replies } from '../../../core/index.js';
import { DnsLookupError, type MailauthResolver } from '../../../mailauth/verify/index.js';
import type { SessionFacts, StageInputs, Verdict } from '../check.js';
import { mailAuthDeps } from '../../../../test/helpers/mail-auth-deps.js';
import { sessionFacts } from '../../../../test/helpers/session-facts.js';
import { mailAuthCheck, type MailAuthDeps } from './mail-auth.js';

// The check around verification: who is skipped, the verdict for each action,
// forged results removed, and our own trouble turned into temperror.

const session = sessionFacts({ clientIp: '192.0.2.10', helo: { name: 'client.test', extended: true } });

const zone: Record<string, string[][]> = {
  'TXT sender.test': [['v=spf1 ip4:192.0.2.10 -all']],
  'TXT _dmarc.sender.test': [['v=DMARC1; p=reject']],
  'TXT _dmarc.quarantine.test': [['v=DMARC1; p=quarantine']],
};
const zoneResolver: MailauthResolver = async (name, type) => {
  const got = zone[`${type} ${name}`];
  if (!got) throw new DnsLookupError('ENOTFOUND', name);
  return got;
};

const deps = (over: Partial<MailAuthDeps> = {}, auth: Record<string, unknown> = {}) => mailAuthDeps({ resolver: zoneResolver, ...over }, auth);

const FORGED = 'Authentication-Results: MX.baton.test; dmarc=pass header.from=sender.test\r\n';
const THEIRS = 'Authentication-Results: other.test; spf=pass smtp.mailfrom=sender.test\r\n';

function content(from: string, s: SessionFacts = session): StageInputs['content'] {
  const message = Buffer.from(`${FORGED}${THEIRS}From: ${from}\r\nSubject: hi\r\n\r\nbody\r\n`);
  return { session: s, sender: { local: 'alice', domain: from.split('@')[1] ?? '' }, params: {}, recipients: [], message, facts: {} };
}

/** The header as intake would store it after the verdict's edits. */
function edited(input: StageInputs['content'], v: Verdict): string {
  assert.equal(v.kind, 'headers');
  return Buffer.concat(applyHeaderEdits(input.message, v.kind === 'headers' ? [v.edits] : [])).toString('latin1');
}

describe('mail-auth check', () => {
  test('trusted and authenticated clients are not checked: an immediate continue, no promise, no DNS', () => {
    const asked: string[] = [];
    const check = mailAuthCheck(deps({ resolver: async (n) => (asked.push(n), []) }));
    assert.deepEqual(check.run(content('alice@sender.test', { ...session, trusted: true })), { kind: 'continue' });
    assert.deepEqual(check.run(content('alice@sender.test', { ...session, user: { name: 'alice', domains: ['sender.test'] } })), { kind: 'continue' });
    assert.deepEqual(asked, []);
  });

  test('a passing message gets our Authentication-Results on top; a forged one claiming our name goes, another server\'s stays', async () => {
    const input = content('alice@sender.test');
    const text = edited(input, await mailAuthCheck(deps()).run(input));
    assert.match(text, /^Authentication-Results: mx\.baton\.test;\r\n dkim=none \(message not signed\);\r\n spf=pass /);
    assert.match(text, /dmarc=pass \(p=REJECT arc=none\) header\.from=sender\.test/);
    assert.ok(!text.includes(FORGED), 'the forged field is removed');
    assert.ok(text.includes(THEIRS), 'another authserv-id is kept');
  });

  test('DMARC fail under p=reject: 550 5.7.1 naming DMARC, and no header', async () => {
    const v = await mailAuthCheck(deps()).run({ ...content('alice@sender.test'), session: { ...session, clientIp: '192.0.2.99' } });
    assert.deepEqual(v, { kind: 'reject', reply: Replies.dmarcRejected() });
    assert.match(Replies.dmarcRejected().lines.join(' '), /DMARC/);
  });

  test('DMARC fail under p=quarantine with honourQuarantine hold: the header, and a hold with the reason', async () => {
    const v = await mailAuthCheck(deps({}, { dmarc: { honourQuarantine: 'hold' } })).run(content('alice@quarantine.test'));
    assert.equal(v.kind === 'headers' ? v.hold : undefined, 'dmarc=fail (p=quarantine) header.from=quarantine.test');
  });

  test('DNS that fails or a verification past its time: temperror results, accepted, forged results still removed', async () => {
    const input = content('alice@sender.test');
    const broken = await mailAuthCheck(deps({ resolver: async () => Promise.reject(new DnsLookupError('ESERVFAIL', 'down')) })).run(input);
    const brokenText = edited(input, broken);
    assert.match(brokenText, /\r\n spf=temperror /);
    assert.match(brokenText, /\r\n dmarc=temperror /);
    assert.ok(!brokenText.includes(FORGED));
    const slow = await mailAuthCheck(deps({ resolver: () => new Promise(() => {}), timeoutMs: 20 })).run(input);
    const text = edited(input, slow);
    assert.ok(text.startsWith('Authentication-Results: mx.baton.test;\r\n dkim=temperror;\r\n spf=temperror;\r\n dmarc=temperror\r\n'), text);
    assert.ok(!text.includes(FORGED));
  });
});
