import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRate, parseDuration, parseRate, parseSize } from './duration.js';

test('parseDuration: units, combinations, fractions, numbers', () => {
  const cases: [string | number, number][] = [
    ['250ms', 250],
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['5d', 432_000_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 86_400_000 + 7_200_000 + 180_000 + 4000 + 5],
    ['1.5s', 1500],
    ['0.0015s', 2], // rounded to whole milliseconds
    ['0s', 0],
    [1234, 1234],
    [0, 0],
  ];
  for (const [input, ms] of cases) assert.equal(parseDuration(input), ms, String(input));
});

test('parseDuration refuses what it cannot read', () => {
  for (const bad of ['', '15', '15x', '5 m', ' 5m', '5m ', '-5m', '5M', 'm', '1h 30m', '1e3s', '.5s', 'five minutes', '5m!']) {
    assert.throws(() => parseDuration(bad), SyntaxError, JSON.stringify(bad));
  }
});

test('parseSize: binary units, case-insensitive, spaces', () => {
  const cases: [string | number, number][] = [
    ['1048576', 1_048_576],
    ['512b', 512],
    ['512k', 524_288],
    ['512KB', 524_288],
    ['10MB', 10_485_760],
    ['10 MiB', 10_485_760],
    ['1g', 1_073_741_824],
    ['1.5k', 1536],
    [' 25MB ', 26_214_400],
    ['0', 0],
    [42, 42],
  ];
  for (const [input, n] of cases) assert.equal(parseSize(input), n, String(input));
});

test('parseSize refuses unknown units and junk', () => {
  for (const bad of ['', 'MB', '10TB', '-1', '1e6', '10 M B', '0x10', 'ten']) {
    assert.throws(() => parseSize(bad), SyntaxError, JSON.stringify(bad));
  }
});

test('rates: "600/min", "10/s", "5000/h" as events per second; bad ones say how to write them', () => {
  assert.equal(parseRate('600/min'), 10);
  assert.equal(parseRate('10/s'), 10);
  assert.equal(parseRate(' 3600 / hour '), 1);
  assert.equal(parseRate('86400/d'), 1);
  for (const bad of ['600', '0/min', '10/fortnight', '/min', '-1/s']) assert.throws(() => parseRate(bad), /use a count per s, min, h or d/, bad);
  assert.equal(formatRate(10), '600/min');
  assert.equal(formatRate(0.5), '30/min');
  assert.equal(formatRate(1 / 3600), '1/h');
});
