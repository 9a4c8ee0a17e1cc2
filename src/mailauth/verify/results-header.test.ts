import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authResultsField, claimsAuthservId, comment, propertyValue, resultRow } from './results-header.js';

test('a row is method=result, a quoted comment, then properties; odd values become quoted-strings (RFC 8601 §2.2)', () => {
  assert.equal(resultRow('spf', 'pass', 'mx: ok', { 'smtp.mailfrom': 'a@example.test' }), 'spf=pass (mx: ok) smtp.mailfrom=a@example.test');
  assert.equal(comment('a (b) \\c'), '(a \\(b\\) \\\\c)');
  assert.equal(propertyValue('"odd local"@example.test'), '"\\"odd local\\"@example.test"');
  assert.equal(propertyValue('x\r\ny'), '"x y"', 'no line break from a client reaches the header');
});

test('the field names our authserv-id, one row a line, long rows folded at spaces within 78 columns', () => {
  const long = resultRow('spf', 'fail', 'mx.example.test: domain of someone@sender.example.test does not designate 192.0.2.1 as permitted sender', {
    'smtp.mailfrom': 'someone@sender.example.test',
  });
  const field = authResultsField('mx.example.test', ['dkim=none (message not signed)', long]);
  assert.ok(field.startsWith('Authentication-Results: mx.example.test;\r\n dkim=none (message not signed);\r\n spf=fail'), field);
  assert.ok(field.endsWith('\r\n') && !field.endsWith('\r\n\r\n'));
  for (const line of field.split('\r\n')) assert.ok(line.length <= 78, `too long: ${line}`);
  assert.equal(field.replace(/\r\n[ \t]/g, ' ').replace(/\r\n$/, ''), `Authentication-Results: mx.example.test; dkim=none (message not signed); ${long}`, 'unfolds to the rows');
  assert.equal(authResultsField('mx.example.test', []), 'Authentication-Results: mx.example.test;\r\n none\r\n');
});

test('a field claims our authserv-id when its value starts with it (after comments, before a version or ";"), in any case', () => {
  const ours = claimsAuthservId('mx.example.test');
  for (const v of [' mx.example.test; spf=pass', 'MX.Example.Test;spf=pass', ' (forged) mx.example.test 1; dkim=pass', ' mx.example.test', '\tmx.example.test (x); none']) {
    assert.ok(ours.test(v), v);
  }
  for (const v of [' other.test; spf=pass', ' mx.example.test.evil.test; spf=pass', ' mxXexample.test; none', ' sub.mx.example.test; none', ' x; smtp.helo=mx.example.test']) {
    assert.ok(!ours.test(v), v);
  }
});
