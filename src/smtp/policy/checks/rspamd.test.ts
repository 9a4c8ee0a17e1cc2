import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Replies } from '../../../core/index.js';
import { silentLogger } from '../../../log/index.js';
import { scannerDeps } from '../../../../test/helpers/scanner-deps.js';
import { sessionFacts } from '../../../../test/helpers/session-facts.js';
import type { RspamdReply } from './rspamd-reply.js';
import { requestHeaders, rspamdCheck, verdict } from './rspamd.js';

const reply = (over: Partial<RspamdReply>): RspamdReply => ({ action: 'no action', score: 1, requiredScore: 15, symbols: [], addHeaders: [], removeHeaders: [], skipped: [], ...over });
const logger = silentLogger();

describe('rspamd verdicts', () => {
  test('reject → 554 5.7.1; greylist and soft reject → 451 4.7.1; the wire text names no rule', () => {
    assert.deepEqual(verdict(reply({ action: 'reject', symbols: ['GTUBE'] }), logger), { kind: 'reject', reply: Replies.spamRejected() });
    assert.deepEqual(verdict(reply({ action: 'soft reject' }), logger), { kind: 'defer', reply: Replies.spamDeferred() });
    assert.deepEqual(verdict(reply({ action: 'greylist' }), logger), { kind: 'defer', reply: Replies.spamDeferred() });
    assert.doesNotMatch(Replies.spamRejected().lines.join(' '), /GTUBE|rspamd/i);
  });

  test('add header → X-Spam fields replacing any the message brought, and rspamd\'s own edits', () => {
    const v = verdict(reply({ action: 'add header', score: 22, requiredScore: 50, addHeaders: [{ name: 'X-Spamd-Result', value: 'default: False [22.00 / 50.00]' }], removeHeaders: ['X-Spamd-Result'] }), logger);
    assert.deepEqual(v, {
      kind: 'headers',
      edits: {
        prepend: ['X-Spam: Yes\r\n', 'X-Spam-Score: 22.00 / 50.00\r\n', 'X-Spam-Status: Yes, score=22.00 required=50.00 action="add header"\r\n', 'X-Spamd-Result: default: False [22.00 / 50.00]\r\n'],
        remove: ['X-Spamd-Result', 'X-Spam', 'X-Spam-Score', 'X-Spam-Status'],
      },
    });
  });

  test('rewrite subject replaces the Subject; an injected line in it is refused and the Subject kept', () => {
    const v = verdict(reply({ action: 'rewrite subject', subject: '***SPAM*** hi' }), logger);
    assert.ok(v.kind === 'headers' && v.edits.prepend?.includes('Subject: ***SPAM*** hi\r\n') && v.edits.remove?.includes('Subject'));
    const bad = verdict(reply({ action: 'rewrite subject', subject: 'hi\r\nBcc: x@example.com' }), logger);
    assert.ok(bad.kind === 'headers' && !bad.edits.remove?.includes('Subject') && !bad.edits.prepend?.some((f) => f.includes('Bcc')));
  });

  test('no action without edits → continue; with milter edits → those edits only', () => {
    assert.deepEqual(verdict(reply({}), logger), { kind: 'continue' });
    assert.deepEqual(verdict(reply({ removeHeaders: ['X-Spam'] }), logger), { kind: 'headers', edits: { prepend: [], remove: ['X-Spam'] } });
  });
});

describe('rspamd request headers', () => {
  test('the envelope and the client: one Rcpt per recipient, User when authenticated, UTF-8 as bytes', () => {
    const h = requestHeaders(
      {
        session: sessionFacts({ helo: { name: 'client.example', extended: true }, user: { name: 'alice', domains: ['example.com'] } as never }),
        sender: { local: 'bob', domain: 'example.com' },
        params: {},
        recipients: [{ address: { local: 'a', domain: 'local.test' } }, { address: { local: 'jörg', domain: 'local.test' } }],
        message: Buffer.from(''),
        facts: {},
      },
      'mx.baton.test',
    );
    assert.deepEqual(h, {
      From: 'bob@example.com',
      Rcpt: ['a@local.test', Buffer.from('jörg@local.test', 'utf8').toString('latin1')],
      IP: '192.0.2.1',
      Helo: 'client.example',
      User: 'alice',
      'MTA-Name': 'mx.baton.test',
    });
  });

  test('the null sender is sent as <>', () => {
    const h = requestHeaders({ session: sessionFacts(), sender: null, params: {}, recipients: [], message: Buffer.from(''), facts: {} }, 'h');
    assert.equal(h['From'], '<>');
    assert.equal(h['Helo'], undefined);
  });

  test('a trusted client is not scanned: a synchronous continue, no request', () => {
    const check = rspamdCheck(scannerDeps({ rspamd: { url: 'http://127.0.0.1:1' } }).rspamd);
    const v = check.run({ session: sessionFacts({ trusted: true }), sender: null, params: {}, recipients: [], message: Buffer.from('x'), facts: {} });
    assert.deepEqual(v, { kind: 'continue' });
  });
});
