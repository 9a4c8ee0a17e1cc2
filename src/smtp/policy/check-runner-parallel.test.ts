import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Replies } from '../../core/index.js';
import { silentLogger } from '../../log/index.js';
import { sessionFacts } from '../../../test/helpers/session-facts.js';
import { Verdicts, type Check, type Verdict } from './check.js';
import { StageChecks } from './check-runner.js';

const input = { session: sessionFacts(), sender: null, params: {}, recipients: [], message: Buffer.from('Subject: s\r\n\r\nb\r\n'), facts: {} };

function scanner(name: string, run: () => Verdict | Promise<Verdict>, over: Partial<Check<'content'>> = {}): Check<'content'> {
  return { name, stage: 'content', onFailure: 'closed', parallel: true, run, ...over };
}

/** A promise and the function that settles it: the test decides when each scanner answers. */
function gate(): { promise: Promise<Verdict>; open: (v: Verdict) => void } {
  let open!: (v: Verdict) => void;
  const promise = new Promise<Verdict>((resolve) => (open = resolve));
  return { promise, open };
}

const runner = (checks: readonly Check<'content'>[]) => new StageChecks(checks, { timeoutMs: 5000, logger: silentLogger() });

describe('StageChecks: independent (parallel) checks', () => {
  test('consecutive parallel checks all start before any answers', async () => {
    const started: string[] = [];
    const a = gate();
    const b = gate();
    const r = runner([scanner('a', () => (started.push('a'), a.promise)), scanner('b', () => (started.push('b'), b.promise))]);
    const out = r.run('content', input);
    assert.deepEqual(started, ['a', 'b'], 'b started while a was still pending');
    b.open(Verdicts.headers(['X-B: 1\r\n']));
    a.open(Verdicts.headers(['X-A: 1\r\n']));
    assert.deepEqual(await out, { kind: 'pass', edits: [{ prepend: ['X-A: 1\r\n'] }, { prepend: ['X-B: 1\r\n'] }] }, 'edits in configured order, not answer order');
  });

  test('verdicts are taken in configured order: an earlier check\'s refusal wins over a later one answering first', async () => {
    const a = gate();
    const r = runner([scanner('a', () => a.promise), scanner('b', () => Promise.resolve(Verdicts.reject(Replies.contentRejected())))]);
    const out = r.run('content', input);
    a.open(Verdicts.defer(Replies.spamDeferred()));
    assert.deepEqual(await out, { kind: 'refuse', reply: Replies.spamDeferred(), check: 'a' });
  });

  test('a parallel check failing closed refuses with 451 4.3.0; failing open it is skipped', async () => {
    const boom = () => Promise.reject(new Error('scanner down'));
    assert.deepEqual(await runner([scanner('a', () => Verdicts.continue), scanner('b', boom)]).run('content', input), { kind: 'refuse', reply: Replies.tryLater(), check: 'b' });
    assert.deepEqual(await runner([scanner('a', boom, { onFailure: 'open' }), scanner('b', () => Verdicts.continue)]).run('content', input), { kind: 'pass', edits: [] });
  });

  test('when every parallel check answers synchronously (trusted clients) no promise is made', () => {
    const out = runner([scanner('a', () => Verdicts.continue), scanner('b', () => Verdicts.continue)]).run('content', input);
    assert.ok(!(out instanceof Promise));
    assert.deepEqual(out, { kind: 'pass', edits: [] });
  });

  test('checks after a parallel group still run in order, and not at all after a refusal', async () => {
    const ran: string[] = [];
    const after = { name: 'after', stage: 'content', onFailure: 'closed', run: () => (ran.push('after'), Verdicts.continue) } as Check<'content'>;
    await runner([scanner('a', () => Promise.resolve(Verdicts.continue)), scanner('b', () => Verdicts.continue), after]).run('content', input);
    assert.deepEqual(ran, ['after']);
    ran.length = 0;
    await runner([scanner('a', () => Promise.resolve(Verdicts.reject(Replies.spamRejected()))), scanner('b', () => Verdicts.continue), after]).run('content', input);
    assert.deepEqual(ran, []);
  });
});
