import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStsRecord, selectStsRecord } from './sts-record.js';
import { randomText } from './fuzz-text.js';

test('a v=STSv1 record with an id parses, with or without spaces, a trailing ";" and extension fields (RFC 8461 §3.1)', () => {
  for (const text of ['v=STSv1; id=20160831085700Z', 'v=STSv1;id=abc', 'v=STSv1; id=abc;', 'v=STSv1; ext=value; id=abc', 'v=STSv1;  id=abc  ']) {
    const r = parseStsRecord(text);
    assert.ok(r.ok, `${text}: ${r.ok ? '' : r.reason}`);
  }
  assert.deepEqual(parseStsRecord('v=STSv1; id=20160831085700Z'), { ok: true, record: { id: '20160831085700Z' } });
});

test('records without the version first, without an id, with a bad or repeated id are refused', () => {
  for (const text of ['id=abc; v=STSv1', ' v=STSv1; id=abc', 'v=STSv2; id=abc', 'v=STSv1', 'v=STSv1; id=', 'v=STSv1; id=a-b', `v=STSv1; id=${'a'.repeat(33)}`, 'v=STSv1; id=a; id=b', 'v=STSv1; junk', 'v=STSv1;; id=a']) {
    assert.equal(parseStsRecord(text).ok, false, text);
  }
});

test('exactly one v=STSv1 record among the TXT records is used; none or two mean no policy; others are ignored', () => {
  assert.deepEqual(selectStsRecord([['v=spf1 -all'], ['v=STSv1; ', 'id=x1']]), { ok: true, record: { id: 'x1' } }, 'strings of one record are joined');
  assert.equal(selectStsRecord([['v=spf1 -all']]).ok, false);
  assert.equal(selectStsRecord([]).ok, false);
  assert.equal(selectStsRecord([['v=STSv1; id=a'], ['v=STSv1; id=b']]).ok, false);
});

test('fuzz: any text parses to a result or a reason, never throws, and an accepted id is always 1-32 letters and digits', () => {
  for (let i = 0; i < 5000; i++) {
    const text = i % 2 === 0 ? `v=STSv1;${randomText(i, 40)}` : randomText(i, 60);
    const r = parseStsRecord(text);
    if (r.ok) assert.match(r.record.id, /^[A-Za-z0-9]{1,32}$/, JSON.stringify(text));
    else assert.equal(typeof r.reason, 'string');
  }
});
