import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContentScanner, MemoryBudget, type ContentRules } from './content-scanner.js';

/** Shared message-memory budget (limits.messageMemory): refuse past it, give every byte back. */

function rules(budget: MemoryBudget, maxSize = 1_000_000): ContentRules {
  return { maxSize, maxLine: 1000, normalizeBareLineEndings: false, budget };
}

/** `n` bytes of valid content: 98-byte lines ending in CRLF (n a multiple of 100). */
function lines(n: number): Buffer {
  return Buffer.from(`${'a'.repeat(98)}\r\n`.repeat(n / 100));
}

describe('MemoryBudget', () => {
  test('take refuses past the limit and give returns bytes, never below zero', () => {
    const b = new MemoryBudget(100);
    assert.equal(b.take(60), true);
    assert.equal(b.take(41), false, 'over the limit');
    assert.equal(b.inUse, 60, 'a refused take holds nothing');
    assert.equal(b.take(40), true, 'exactly up to the limit');
    assert.equal(b.inUse, 100);
    b.give(100);
    assert.equal(b.inUse, 0);
    b.give(10);
    assert.equal(b.inUse, 0);
  });
});

describe('ContentScanner with a budget', () => {
  test('content beyond the budget fails with no-memory and holds nothing afterwards', () => {
    const budget = new MemoryBudget(1000);
    const s = new ContentScanner(rules(budget));
    s.push(lines(800));
    assert.equal(s.problem, undefined);
    assert.equal(budget.inUse, 800);
    s.push(lines(300));
    assert.equal(s.problem, 'no-memory');
    assert.equal(budget.inUse, 0, 'failing releases what was held');
    s.push(lines(100));
    assert.equal(budget.inUse, 0, 'nothing taken after the failure');
    assert.deepEqual(s.finish(), { ok: false, problem: 'no-memory' });
    assert.equal(budget.inUse, 0);
  });

  test('the slow path (bytes the fast path will not take) also respects the budget', () => {
    const budget = new MemoryBudget(150);
    const s = new ContentScanner({ ...rules(budget), normalizeBareLineEndings: true });
    // Bare LFs force the per-byte path, which normalises as it keeps.
    s.push(Buffer.from(`${'b'.repeat(99)}\n`.repeat(2)));
    assert.equal(s.problem, 'no-memory');
    assert.equal(budget.inUse, 0);
  });

  test('finish gives the bytes back and returns the whole message', () => {
    const budget = new MemoryBudget(10_000);
    const s = new ContentScanner(rules(budget));
    s.push(lines(500));
    s.push(lines(500));
    assert.equal(budget.inUse, 1000);
    const r = s.finish();
    assert.ok(r.ok);
    assert.equal(r.message.length, 1000);
    assert.equal(budget.inUse, 0);
  });

  test('release gives the bytes back and is idempotent', () => {
    const budget = new MemoryBudget(10_000);
    const other = new ContentScanner(rules(budget));
    other.push(lines(300));
    const s = new ContentScanner(rules(budget));
    s.push(lines(700));
    assert.equal(budget.inUse, 1000);
    s.release();
    assert.equal(budget.inUse, 300, 'only its own bytes');
    s.release();
    s.release();
    assert.equal(budget.inUse, 300, 'a second release gives nothing more back');
    other.release();
    assert.equal(budget.inUse, 0);
    // release after finish gives nothing back twice either.
    const t = new ContentScanner(rules(budget));
    other.release();
    t.push(lines(200));
    assert.ok(t.finish().ok);
    t.release();
    assert.equal(budget.inUse, 0);
  });

  test('two scanners share one budget: the second is refused while the first holds it, and succeeds once it is freed', () => {
    const budget = new MemoryBudget(1000);
    const a = new ContentScanner(rules(budget));
    const b = new ContentScanner(rules(budget));
    a.push(lines(600));
    b.push(lines(300));
    assert.equal(budget.inUse, 900);
    b.push(lines(200));
    assert.equal(b.problem, 'no-memory');
    assert.equal(a.problem, undefined, 'the other session is unaffected');
    assert.equal(budget.inUse, 600);
    assert.ok(a.finish().ok);
    assert.equal(budget.inUse, 0);
    const c = new ContentScanner(rules(budget));
    c.push(lines(1000));
    assert.equal(c.problem, undefined, 'the whole budget is available again');
    c.release();
    assert.equal(budget.inUse, 0);
  });

  test('too-big is reported before the budget is touched beyond maxSize', () => {
    const budget = new MemoryBudget(10_000);
    const s = new ContentScanner(rules(budget, 500));
    s.push(lines(600));
    assert.equal(s.problem, 'too-big');
    assert.equal(budget.inUse, 0);
  });
});
