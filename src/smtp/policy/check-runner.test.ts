import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeReply, Replies, SmtpError } from '../../core/index.js';
import { silentLogger } from '../../log/index.js';
import { sessionFacts } from '../../../test/helpers/session-facts.js';
import { Verdicts, type AnyCheck, type Check, type Verdict } from './check.js';
import { StageChecks } from './check-runner.js';

const session = sessionFacts();
const mailInput = { session, sender: null, params: {} };

function mailCheck(name: string, run: () => Verdict | Promise<Verdict>, over: Partial<Check<'mail'>> = {}): Check<'mail'> {
  return { name, stage: 'mail', onFailure: 'closed', run, ...over };
}

const runner = (checks: readonly AnyCheck[], timeoutMs = 1000) => new StageChecks(checks, { timeoutMs, logger: silentLogger() });

describe('StageChecks', () => {
  test('checks run in order; the first reject or defer ends the stage and names its check', async () => {
    const ran: string[] = [];
    const r = runner([
      mailCheck('a', () => (ran.push('a'), Verdicts.continue)),
      mailCheck('b', () => (ran.push('b'), Verdicts.defer(makeReply(450, '4.7.1', 'later')))),
      mailCheck('c', () => (ran.push('c'), Verdicts.reject(Replies.relayDenied()))),
    ]);
    assert.deepEqual(await r.run('mail', mailInput), { kind: 'refuse', reply: makeReply(450, '4.7.1', 'later'), check: 'b' });
    assert.deepEqual(ran, ['a', 'b']);
  });

  test('accept ends the stage as a pass: the checks after it do not run', async () => {
    const ran: string[] = [];
    const r = runner([mailCheck('a', () => Verdicts.accept), mailCheck('b', () => (ran.push('b'), Verdicts.reject(Replies.relayDenied())))]);
    assert.deepEqual(await r.run('mail', mailInput), { kind: 'pass', edits: [] });
    assert.deepEqual(ran, []);
  });

  test('synchronous checks answer without a promise; a stage without checks passes at once', () => {
    const r = runner([mailCheck('a', () => Verdicts.continue)]);
    const out = r.run('mail', mailInput);
    assert.ok(!(out instanceof Promise));
    assert.equal(out.kind, 'pass');
    assert.ok(!(r.run('rcpt', { ...mailInput, recipient: { address: { local: 'a', domain: 'b.test' } }, accepted: [] }) instanceof Promise));
  });

  test('content checks add header fields, in order, across synchronous and asynchronous checks', async () => {
    const content: Check<'content'>[] = [
      { name: 'one', stage: 'content', onFailure: 'open', run: () => Verdicts.headers(['X-One: 1\r\n']) },
      { name: 'two', stage: 'content', onFailure: 'open', run: async () => Verdicts.headers(['X-Two: 2\r\n']) },
      { name: 'three', stage: 'content', onFailure: 'open', run: () => Verdicts.continue },
    ];
    const out = await runner(content).run('content', { ...mailInput, recipients: [], message: Buffer.from('x'), facts: {} });
    assert.deepEqual(out, { kind: 'pass', edits: [{ prepend: ['X-One: 1\r\n'] }, { prepend: ['X-Two: 2\r\n'] }] });
  });

  test('a content check may ask to hold the message: the first one that asks is named, the edits of all are kept', async () => {
    const content: Check<'content'>[] = [
      { name: 'one', stage: 'content', onFailure: 'open', run: async () => Verdicts.held('quarantine', ['X-One: 1\r\n']) },
      { name: 'two', stage: 'content', onFailure: 'open', run: () => Verdicts.held('other', ['X-Two: 2\r\n']) },
    ];
    const out = await runner(content).run('content', { ...mailInput, recipients: [], message: Buffer.from('x'), facts: {} });
    assert.deepEqual(out, { kind: 'pass', edits: [{ prepend: ['X-One: 1\r\n'] }, { prepend: ['X-Two: 2\r\n'] }], hold: { check: 'one', reason: 'quarantine' } });
  });

  test('a failing check fails open (skipped) or closed (451 4.3.0), as it declares', async () => {
    const boom = () => {
      throw new Error('resolver down');
    };
    assert.deepEqual(await runner([mailCheck('open', boom, { onFailure: 'open' })]).run('mail', mailInput), { kind: 'pass', edits: [] });
    assert.deepEqual(await runner([mailCheck('closed', boom)]).run('mail', mailInput), { kind: 'refuse', reply: Replies.tryLater(), check: 'closed' });
    const rejecting = async () => Promise.reject(new Error('scanner down'));
    assert.deepEqual(await runner([mailCheck('closed', rejecting)]).run('mail', mailInput), { kind: 'refuse', reply: Replies.tryLater(), check: 'closed' });
  });

  test('an SmtpError a check throws keeps its reply when the check fails closed', async () => {
    const permanent = new SmtpError(Replies.relayDenied(), 'message', { source: 'test' });
    const out = await runner([mailCheck('strict', () => Promise.reject(permanent))]).run('mail', mailInput);
    assert.deepEqual(out, { kind: 'refuse', reply: Replies.relayDenied(), check: 'strict' });
  });

  test('a check that never answers times out into its failure rule', async () => {
    const never = () => new Promise<Verdict>(() => {});
    assert.deepEqual(await runner([mailCheck('slow', never, { timeoutMs: 20 })]).run('mail', mailInput), { kind: 'refuse', reply: Replies.tryLater(), check: 'slow' });
    assert.deepEqual(await runner([mailCheck('slow', never, { onFailure: 'open' })], 20).run('mail', mailInput), { kind: 'pass', edits: [] });
  });
});
