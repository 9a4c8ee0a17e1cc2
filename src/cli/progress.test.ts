import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progress } from './progress.js';

function terminal(isTTY: boolean) {
  const written: string[] = [];
  return { stream: { isTTY, columns: 80, write: (t: string) => (written.push(t), true) }, written };
}

test('no terminal: nothing is drawn, and writes around the bar pass straight through', () => {
  const { stream, written } = terminal(false);
  const bar = progress('deleted', 3, stream);
  const lines: string[] = [];
  const say = bar.around((t) => lines.push(t));
  bar.update(1);
  say('A: deleted\n');
  bar.finish();
  assert.deepEqual(written, []);
  assert.deepEqual(lines, ['A: deleted\n']);
});

test('on a terminal: a bar redrawn in place at most every 100 ms, cleared around other output, ended by a newline', () => {
  const { stream, written } = terminal(true);
  let t = 0;
  const bar = progress('deleted', 4, stream, () => t);
  bar.update(1);
  bar.update(2); // within 100 ms: not redrawn
  t += 100;
  bar.update(2);
  const say = bar.around(() => written.push('<stdout>'));
  say('x');
  bar.update(4);
  bar.finish();
  assert.equal(written[0], '\r' + 'deleted [##########------------------------------] 25% 1/4\x1b[K');
  assert.match(written[1] as string, /50% 2\/4/);
  assert.deepEqual(written.slice(2, 5), ['\r\x1b[K', '<stdout>', written[4]]);
  assert.match(written.at(-2) as string, /\[#{40}\] 100% 4\/4/);
  assert.equal(written.at(-1), '\n');
});

test('unknown total: a running count', () => {
  const { stream, written } = terminal(true);
  const bar = progress('importing big.csv: rows', undefined, stream, () => 0);
  bar.update(20000);
  assert.equal(written[0], '\rimporting big.csv: rows 20000…\x1b[K');
});
