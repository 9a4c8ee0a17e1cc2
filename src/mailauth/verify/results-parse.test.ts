import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authResultsField, resultRow } from './results-header.js';
import { parseAuthResults } from './results-parse.js';

const valueOf = (field: string) => field.slice(field.indexOf(':') + 1).replace(/\r\n(?=[ \t])/g, '');

test('reads back what Baton writes: each method, result, comment and property', () => {
  const field = authResultsField('mx.baton.test', [
    resultRow('spf', 'pass', 'domain of a@sender.test designates 192.0.2.1 as permitted sender', { 'smtp.mailfrom': 'a@sender.test' }),
    resultRow('dkim', 'fail', 'body hash did not verify', { 'header.d': 'sender.test', 'header.s': 'sel 1' }),
    resultRow('dmarc', 'fail', undefined, { 'header.from': 'sender.test' }),
  ]);
  const parsed = parseAuthResults(valueOf(field));
  assert.equal(parsed.authservId, 'mx.baton.test');
  assert.deepEqual(parsed.results, [
    { method: 'spf', result: 'pass', comment: 'domain of a@sender.test designates 192.0.2.1 as permitted sender', properties: { 'smtp.mailfrom': 'a@sender.test' } },
    { method: 'dkim', result: 'fail', comment: 'body hash did not verify', properties: { 'header.d': 'sender.test', 'header.s': 'sel 1' } },
    { method: 'dmarc', result: 'fail', properties: { 'header.from': 'sender.test' } },
  ]);
});

test('RFC 8601 appendix forms: a version, a reason, CFWS around "=" and ".", "none", and a ";" inside a quoted reason or comment', () => {
  const parsed = parseAuthResults(' (c) example.com 1 ; dkim/1 = pass (good; sig) reason="a; b" header . d = example.net ; spf=None');
  assert.equal(parsed.authservId, 'example.com');
  assert.deepEqual(parsed.results, [
    { method: 'dkim', result: 'pass', reason: 'a; b', comment: 'good; sig', properties: { 'header.d': 'example.net' } },
    { method: 'spf', result: 'none', properties: {} },
  ]);
  assert.deepEqual(parseAuthResults('example.com; none'), { authservId: 'example.com', results: [] });
  assert.deepEqual(parseAuthResults(''), { authservId: '', results: [] });
});
