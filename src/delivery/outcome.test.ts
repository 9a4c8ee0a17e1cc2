import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeReply } from '../core/index.js';
import {
  classify,
  classifyError,
  classifyReply,
  decideDeferral,
  describeOutcome,
  isTooManyRecipients,
  resolveTransaction,
  type Stage,
} from './outcome.js';

const ALL_STAGES: readonly Stage[] = ['connect', 'greeting', 'ehlo', 'starttls', 'auth', 'mail', 'rcpt', 'data', 'dot', 'bdat'];
const SITE: readonly Stage[] = ['connect', 'greeting', 'ehlo', 'starttls', 'auth'];

function verdictOf(stage: Stage, code: number, status?: string, text = 'x') {
  const c = classifyReply(stage, makeReply(code, status, text));
  return c.verdict === 'continue' ? 'continue' : `${c.verdict}/${c.scope}`;
}

describe('classifyReply', () => {
  test('421 at any stage defers the whole site', () => {
    for (const stage of ALL_STAGES) assert.equal(verdictOf(stage, 421, '4.3.2'), 'deferred/site', stage);
  });

  test('failures before MAIL defer the site even when permanent (5xx greeting, EHLO, STARTTLS, AUTH)', () => {
    for (const stage of SITE) {
      for (const code of [450, 454, 500, 530, 535, 554]) assert.equal(verdictOf(stage, code), 'deferred/site', `${stage} ${code}`);
    }
  });

  test('positive replies before the end of data continue the dialogue', () => {
    for (const stage of ALL_STAGES.filter((s) => s !== 'dot' && s !== 'bdat')) {
      assert.equal(verdictOf(stage, 250, '2.0.0'), 'continue', stage);
    }
    assert.equal(verdictOf('data', 354), 'continue');
    assert.equal(verdictOf('auth', 334), 'continue');
  });

  test('2xx after the end of data or on BDAT LAST delivers', () => {
    assert.equal(verdictOf('dot', 250, '2.0.0'), 'delivered/recipient');
    assert.equal(verdictOf('bdat', 250), 'delivered/recipient');
  });

  test('3xx after the end of data is a protocol error and defers the message', () => {
    assert.equal(verdictOf('dot', 354), 'deferred/message');
  });

  test('MAIL, DATA, end-of-data and BDAT failures concern the message: 4xx defers, 5xx bounces', () => {
    for (const stage of ['mail', 'data', 'dot', 'bdat'] as const) {
      assert.equal(verdictOf(stage, 451, '4.3.0'), 'deferred/message', stage);
      assert.equal(verdictOf(stage, 452), 'deferred/message', stage);
      assert.equal(verdictOf(stage, 550, '5.7.1'), 'bounced/message', stage);
      assert.equal(verdictOf(stage, 552, '5.3.4'), 'bounced/message', stage);
      assert.equal(verdictOf(stage, 554), 'bounced/message', stage);
    }
  });

  test('RCPT failures concern the recipient: 4xx defers, 5xx bounces', () => {
    assert.equal(verdictOf('rcpt', 450, '4.2.0'), 'deferred/recipient');
    assert.equal(verdictOf('rcpt', 451, '4.7.1', 'greylisted'), 'deferred/recipient');
    assert.equal(verdictOf('rcpt', 550, '5.1.1', 'no such user'), 'bounced/recipient');
    assert.equal(verdictOf('rcpt', 553), 'bounced/recipient');
    assert.equal(verdictOf('rcpt', 552, '5.2.2', 'mailbox full'), 'bounced/recipient');
  });

  test('452 4.5.3 on RCPT is "too many recipients": retry at once in a new transaction', () => {
    const c = classifyReply('rcpt', makeReply(452, '4.5.3', 'Too many recipients'));
    assert.deepEqual(c, { verdict: 'deferred', scope: 'recipient', stage: 'rcpt', reply: makeReply(452, '4.5.3', 'Too many recipients'), retryNow: true });
    assert.equal(classifyReply('rcpt', makeReply(452, undefined, 'Too many recipients')).verdict, 'deferred');
    assert.ok('retryNow' in classifyReply('rcpt', makeReply(452, undefined, 'later')));
  });

  test('552 on RCPT saying too many recipients is treated as temporary (RFC 5321 §4.5.3.1.10)', () => {
    const c = classifyReply('rcpt', makeReply(552, undefined, 'Too many recipients'));
    assert.equal(c.verdict, 'deferred');
    assert.ok('retryNow' in c && c.retryNow === true);
    const d = classifyReply('rcpt', makeReply(552, '5.5.3', 'Too many recipients'));
    assert.equal(d.verdict, 'deferred');
  });

  test('452 with another enhanced status on RCPT is an ordinary deferral', () => {
    const c = classifyReply('rcpt', makeReply(452, '4.2.2', 'Mailbox full'));
    assert.equal(c.verdict, 'deferred');
    assert.ok(!('retryNow' in c));
  });
});

describe('isTooManyRecipients', () => {
  test('recognises only the too-many-recipients forms', () => {
    assert.equal(isTooManyRecipients(makeReply(452, '4.5.3', 'x')), true);
    assert.equal(isTooManyRecipients(makeReply(452, undefined, 'x')), true);
    assert.equal(isTooManyRecipients(makeReply(552, '5.5.3', 'x')), true);
    assert.equal(isTooManyRecipients(makeReply(552, undefined, 'too many RECIPIENTS')), true);
    assert.equal(isTooManyRecipients(makeReply(552, undefined, 'message too big')), false);
    assert.equal(isTooManyRecipients(makeReply(452, '4.3.1', 'x')), false);
    assert.equal(isTooManyRecipients(makeReply(451, '4.5.3', 'x')), false);
  });
});

describe('classifyError', () => {
  test('no connection (connect or greeting stage) defers the site', () => {
    const e = { code: 'ECONNREFUSED', message: 'connection refused by 127.0.0.1:25' };
    assert.deepEqual(classifyError('connect', e), { verdict: 'deferred', scope: 'site', stage: 'connect', error: e.message });
    assert.equal(classifyError('greeting', { code: 'timeout', message: 't' }).scope, 'site');
  });

  test('timeouts and resets later in the dialogue defer this connection only', () => {
    for (const stage of ['ehlo', 'starttls', 'mail', 'rcpt', 'data', 'dot', 'bdat'] as const) {
      const o = classifyError(stage, { code: 'ECONNRESET', message: 'reset' });
      assert.equal(o.verdict, 'deferred');
      assert.equal(o.scope, 'connection', stage);
    }
  });

  test('classify dispatches on reply or error', () => {
    assert.equal(classify({ stage: 'dot', reply: makeReply(250, '2.0.0', 'ok') }).verdict, 'delivered');
    assert.equal(classify({ stage: 'dot', error: { code: 'timeout', message: 'timeout' } }).verdict, 'deferred');
  });
});

describe('resolveTransaction', () => {
  const ok = makeReply(250, '2.1.5', 'ok');
  test('recipients refused at RCPT keep their own outcome; accepted ones take the end-of-data result', () => {
    const out = resolveTransaction({
      recipients: [
        { recipient: 'a', rcpt: { stage: 'rcpt', reply: ok } },
        { recipient: 'b', rcpt: { stage: 'rcpt', reply: makeReply(550, '5.1.1', 'unknown') } },
        { recipient: 'c', rcpt: { stage: 'rcpt', reply: makeReply(450, '4.2.1', 'later') } },
        { recipient: 'd', rcpt: { stage: 'rcpt', reply: makeReply(452, '4.5.3', 'too many') } },
      ],
      last: { stage: 'dot', reply: makeReply(250, '2.0.0', 'queued') },
    });
    assert.deepEqual(
      out.map((r) => [r.recipient, r.outcome.verdict, r.outcome.scope, r.outcome.retryNow ?? false]),
      [
        ['a', 'delivered', 'recipient', false],
        ['b', 'bounced', 'recipient', false],
        ['c', 'deferred', 'recipient', false],
        ['d', 'deferred', 'recipient', true],
      ],
    );
  });

  test('a 5xx end-of-data reply bounces only the accepted recipients', () => {
    const out = resolveTransaction({
      recipients: [
        { recipient: 'a', rcpt: { stage: 'rcpt', reply: ok } },
        { recipient: 'b', rcpt: { stage: 'rcpt', reply: makeReply(450, '4.2.1', 'later') } },
      ],
      last: { stage: 'dot', reply: makeReply(554, '5.7.1', 'spam') },
    });
    assert.deepEqual(out.map((r) => `${r.recipient}:${r.outcome.verdict}/${r.outcome.scope}`), ['a:bounced/message', 'b:deferred/recipient']);
  });

  test('LMTP: each accepted recipient takes its own end-of-data reply (RFC 2033 §4.2)', () => {
    const out = resolveTransaction({
      recipients: [
        { recipient: 'a', rcpt: { stage: 'rcpt', reply: ok }, last: { stage: 'dot', reply: makeReply(250, '2.0.0', 'saved') } },
        { recipient: 'b', rcpt: { stage: 'rcpt', reply: ok }, last: { stage: 'dot', reply: makeReply(452, '4.2.2', 'over quota') } },
        { recipient: 'c', rcpt: { stage: 'rcpt', reply: makeReply(550, '5.1.1', 'unknown') } },
      ],
      last: { stage: 'dot', reply: makeReply(452, '4.2.2', 'over quota') },
    });
    assert.deepEqual(out.map((r) => `${r.recipient}:${r.outcome.verdict}`), ['a:delivered', 'b:deferred', 'c:bounced']);
  });

  test('a MAIL failure applies to every recipient (no RCPT result)', () => {
    const out = resolveTransaction({ recipients: [{ recipient: 1 }, { recipient: 2 }], last: { stage: 'mail', reply: makeReply(451, '4.3.0', 'x') } });
    assert.deepEqual(out.map((r) => r.outcome.verdict), ['deferred', 'deferred']);
    assert.deepEqual(out.map((r) => r.outcome.stage), ['mail', 'mail']);
  });

  test('a connection lost after the data was sent defers (never delivered without a 2xx)', () => {
    const out = resolveTransaction({
      recipients: [{ recipient: 'a', rcpt: { stage: 'rcpt', reply: ok } }],
      last: { stage: 'dot', error: { code: 'ECONNRESET', message: 'connection reset' } },
    });
    assert.equal(out[0]?.outcome.verdict, 'deferred');
    assert.equal(out[0]?.outcome.scope, 'connection');
    assert.equal(out[0]?.outcome.error, 'connection reset');
  });

  test('an accepted recipient without an ending result is deferred, not delivered', () => {
    const out = resolveTransaction({ recipients: [{ recipient: 'a', rcpt: { stage: 'rcpt', reply: ok } }] });
    assert.equal(out[0]?.outcome.verdict, 'deferred');
    const out2 = resolveTransaction({
      recipients: [{ recipient: 'a', rcpt: { stage: 'rcpt', reply: ok } }],
      last: { stage: 'data', reply: makeReply(354, undefined, 'go ahead') },
    });
    assert.equal(out2[0]?.outcome.verdict, 'deferred');
  });

  test('describeOutcome gives one readable line', () => {
    const o = classifyReply('rcpt', makeReply(550, '5.1.1', 'no such user'));
    assert.ok(o.verdict !== 'continue');
    assert.equal(describeOutcome(o), 'bounced at rcpt (recipient): 550 5.1.1 no such user');
  });
});

describe('decideDeferral', () => {
  const H = 3_600_000;
  test('before the deadline the deferral stands with its next attempt', () => {
    assert.deepEqual(decideDeferral({ receivedAt: 0, expiresAt: 10 * H, now: H, nextAttemptAt: 2 * H }), { kind: 'deferred', nextAttemptAt: 2 * H });
  });
  test('a next attempt past the deadline is moved to the deadline (one last attempt)', () => {
    assert.deepEqual(decideDeferral({ receivedAt: 0, expiresAt: 10 * H, now: 9 * H, nextAttemptAt: 11 * H }), { kind: 'deferred', nextAttemptAt: 10 * H });
  });
  test('a next attempt in the past is moved to now', () => {
    assert.deepEqual(decideDeferral({ receivedAt: 0, expiresAt: 10 * H, now: 5 * H, nextAttemptAt: H }), { kind: 'deferred', nextAttemptAt: 5 * H });
  });
  test('at or after the deadline the recipient expires', () => {
    assert.deepEqual(decideDeferral({ receivedAt: 0, expiresAt: 10 * H, now: 10 * H, nextAttemptAt: 11 * H }), { kind: 'expired', queuedForMs: 10 * H });
    assert.deepEqual(decideDeferral({ receivedAt: H, expiresAt: 10 * H, now: 12 * H, nextAttemptAt: 13 * H }), { kind: 'expired', queuedForMs: 11 * H });
  });
});
