import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDue, formatDuration, formatSize, formatTable } from './format-table.js';

test('a table pads columns to the widest cell, right-aligns numbers and cuts long cells', () => {
  const out = formatTable(
    [{ header: 'ID' }, { header: 'SIZE', align: 'right' }, { header: 'TEXT', max: 6 }],
    [
      ['a', '1', 'short'],
      ['bbbb', '1234', 'much longer text\r\nwith lines'],
    ],
  );
  assert.equal(out, 'ID    SIZE  TEXT\na        1  short\nbbbb  1234  much …\n');
});

test('sizes use binary units', () => {
  assert.deepEqual([0, 1023, 1024, 1536, 20_480, 5 * 1024 ** 2, 3 * 1024 ** 3].map(formatSize), ['0', '1023', '1.0K', '1.5K', '20K', '5.0M', '3.0G']);
});

test('durations show their largest unit and due times are relative', () => {
  assert.deepEqual([0, 45_000, 12 * 60_000, 3 * 3_600_000 + 5, 2 * 86_400_000].map(formatDuration), ['0s', '45s', '12m', '3h', '2d']);
  assert.equal(formatDue(100, 100), 'now');
  assert.equal(formatDue(50, 100), 'now');
  assert.equal(formatDue(100 + 240_000, 100), 'in 4m');
});
