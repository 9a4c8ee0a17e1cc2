import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeXtext, encodeXtext } from '../core/index.js';
import { parseCommand, parseParams, type Command } from './command-parser.js';

function cmd(line: string): Command {
  const r = parseCommand(line);
  assert.ok(r.ok, `${JSON.stringify(line)} should parse: ${JSON.stringify(r)}`);
  return r.command;
}

function problem(line: string): 'unknown' | 'syntax' {
  const r = parseCommand(line);
  assert.equal(r.ok, false, `${JSON.stringify(line)} should fail`);
  return r.ok ? ('' as never) : r.problem;
}

test('EHLO and HELO take a domain or address literal', () => {
  assert.deepEqual(cmd('EHLO mail.example.com'), { verb: 'EHLO', domain: 'mail.example.com' });
  assert.deepEqual(cmd('helo [192.0.2.1]'), { verb: 'HELO', domain: '[192.0.2.1]' });
  assert.deepEqual(cmd('EHLO  spaced.example  '), { verb: 'EHLO', domain: 'spaced.example' });
  assert.equal(problem('EHLO'), 'syntax');
  assert.equal(problem('EHLO '), 'syntax');
  assert.equal(problem('EHLO two words'), 'syntax');
  assert.equal(problem(`EHLO ${'a'.repeat(256)}`), 'syntax');
  assert.deepEqual(cmd(`EHLO ${'a'.repeat(255)}`), { verb: 'EHLO', domain: 'a'.repeat(255) });
  assert.equal(problem('EHLO bücher.de'), 'syntax');
});

test('verbs are case-insensitive', () => {
  for (const v of ['ehlo x', 'EhLo x', 'mail FROM:<a@b.c>', 'Rcpt to:<a@b.c>', 'data', 'rset', 'quit', 'starttls', 'noop', 'help', 'vrfy x', 'expn x', 'bdat 1', 'auth plain']) {
    assert.ok(parseCommand(v).ok, v);
  }
});

test('MAIL FROM and RCPT TO, with and without a space after the colon', () => {
  assert.deepEqual(cmd('MAIL FROM:<a@b.c>'), { verb: 'MAIL', args: '<a@b.c>' });
  assert.deepEqual(cmd('MAIL FROM: <a@b.c>'), { verb: 'MAIL', args: '<a@b.c>' });
  assert.deepEqual(cmd('mail from:<> SIZE=10'), { verb: 'MAIL', args: '<> SIZE=10' });
  assert.deepEqual(cmd('RCPT TO:<a@b.c> NOTIFY=NEVER'), { verb: 'RCPT', args: '<a@b.c> NOTIFY=NEVER' });
  assert.deepEqual(cmd('RCPT TO:  <a@b.c>'), { verb: 'RCPT', args: '<a@b.c>' });
  for (const bad of ['MAIL', 'MAIL FROM:', 'MAIL FROM:a@b.c', 'MAIL TO:<a@b.c>', 'MAIL FROM <a@b.c>', 'MAIL  FROM:<a@b.c>', 'RCPT FROM:<a@b.c>', 'RCPT TO:', 'RCPT TO:a@b.c', 'MAIL FROM:\t<a@b.c>']) {
    assert.equal(problem(bad), 'syntax', bad);
  }
});

test('argument-less verbs refuse arguments', () => {
  for (const v of ['DATA', 'RSET', 'QUIT', 'STARTTLS'] as const) {
    assert.deepEqual(cmd(v), { verb: v });
    assert.deepEqual(cmd(`${v} `), { verb: v });
    assert.equal(problem(`${v} x`), 'syntax');
  }
});

test('NOOP, HELP, VRFY, EXPN keep their argument', () => {
  assert.deepEqual(cmd('NOOP'), { verb: 'NOOP', arg: '' });
  assert.deepEqual(cmd('NOOP hello there'), { verb: 'NOOP', arg: 'hello there' });
  assert.deepEqual(cmd('HELP MAIL'), { verb: 'HELP', arg: 'MAIL' });
  assert.deepEqual(cmd('VRFY postmaster'), { verb: 'VRFY', arg: 'postmaster' });
  assert.deepEqual(cmd('EXPN list'), { verb: 'EXPN', arg: 'list' });
});

test('unknown verbs', () => {
  for (const v of ['', ' ', 'XYZZY', 'MAILFROM:<a@b.c>', 'TURN', 'ETRN x', 'GET / HTTP/1.1', 'NOOP\tx', 'DATA\t']) {
    assert.equal(problem(v), 'unknown', JSON.stringify(v));
  }
});

test('BDAT sizes and LAST (RFC 3030 §2)', () => {
  assert.deepEqual(cmd('BDAT 0'), { verb: 'BDAT', size: 0, last: false });
  assert.deepEqual(cmd('BDAT 0 LAST'), { verb: 'BDAT', size: 0, last: true });
  assert.deepEqual(cmd('bdat 1000 last'), { verb: 'BDAT', size: 1000, last: true });
  assert.deepEqual(cmd('BDAT 2147483647'), { verb: 'BDAT', size: 2 ** 31 - 1, last: false });
  assert.deepEqual(cmd('BDAT 0000000012'), { verb: 'BDAT', size: 12, last: false });
  for (const bad of ['BDAT', 'BDAT 2147483648', 'BDAT 99999999999', 'BDAT -1', 'BDAT 1.5', 'BDAT 1 LAST x', 'BDAT 1  LAST', 'BDAT LAST', 'BDAT 1 FIRST', 'BDAT 0x10', 'BDAT 1e3']) {
    assert.equal(problem(bad), 'syntax', bad);
  }
});

test('AUTH mechanism and initial response (RFC 4954 §4)', () => {
  assert.deepEqual(cmd('AUTH PLAIN'), { verb: 'AUTH', mechanism: 'PLAIN', initial: undefined });
  assert.deepEqual(cmd('auth plain AGFsaWNlAHNlY3JldA=='), { verb: 'AUTH', mechanism: 'PLAIN', initial: 'AGFsaWNlAHNlY3JldA==' });
  assert.deepEqual(cmd('AUTH PLAIN ='), { verb: 'AUTH', mechanism: 'PLAIN', initial: '=' });
  assert.deepEqual(cmd('AUTH login dXNlcg=='), { verb: 'AUTH', mechanism: 'LOGIN', initial: 'dXNlcg==' });
  assert.deepEqual(cmd('AUTH SCRAM-SHA-256'), { verb: 'AUTH', mechanism: 'SCRAM-SHA-256', initial: undefined });
  for (const bad of ['AUTH', 'AUTH PLAIN a b', 'AUTH PLAIN *', 'AUTH PL@IN', `AUTH ${'A'.repeat(21)}`, 'AUTH PLAIN abc!']) {
    assert.equal(problem(bad), 'syntax', bad);
  }
});

test('verbs must be ASCII: Unicode case mapping must not make a verb', () => {
  assert.equal(problem('ſTARTTLS'), 'unknown');
  assert.equal(problem('QUıT'), 'unknown');
  assert.equal(problem('MAıL FROM:<a@b.c>'), 'unknown');
});

test('parseParams: keywords upper-cased, flags and values', () => {
  assert.deepEqual(parseParams(''), new Map());
  assert.deepEqual(parseParams('  '), new Map());
  assert.deepEqual(
    parseParams('size=100 BODY=8BITMIME smtputf8'),
    new Map<string, string | true>([['SIZE', '100'], ['BODY', '8BITMIME'], ['SMTPUTF8', true]]),
  );
  assert.deepEqual(parseParams('X-FOO=bär'), new Map([['X-FOO', 'bär']]), 'UTF-8 values (RFC 6531)');
  assert.deepEqual(parseParams('A  B'), new Map<string, string | true>([['A', true], ['B', true]]));
});

test('parseParams: duplicates and bad keywords or values', () => {
  for (const bad of ['SIZE=1 SIZE=2', 'size=1 SIZE=1', 'SMTPUTF8 smtputf8', '=1', '-X=1', 'X_Y=1', 'A.B', 'SIZE=', 'A=b=c', 'A=\x01', 'A=\x7f', 'A=b\tc', 'é=1']) {
    assert.equal(parseParams(bad), undefined, JSON.stringify(bad));
  }
});

test('parseParams: keywords must be ASCII', () => {
  assert.equal(parseParams('ſIZE=1'), undefined);
  assert.equal(parseParams('ß=1'), undefined);
});

test('xtext decode (RFC 3461 §4)', () => {
  assert.equal(decodeXtext('user+40example.com'), 'user@example.com');
  assert.equal(decodeXtext('a+2Bb+3Dc'), 'a+b=c');
  assert.equal(decodeXtext(''), '');
  for (const bad of ['a+', 'a+4', 'a+4g', 'a+2b', 'a=b', 'a b', 'a\x7f', 'é', '+']) {
    assert.equal(decodeXtext(bad), undefined, JSON.stringify(bad));
  }
});

test('xtext encode escapes +, =, controls, space and 8-bit', () => {
  assert.equal(encodeXtext('a+b=c d'), 'a+2Bb+3Dc+20d');
  assert.equal(encodeXtext('\x00\x1f\x7f'), '+00+1F+7F');
  assert.equal(encodeXtext('é'), '+C3+A9');
  for (const s of ['plain', 'user@example.com', 'a+b=c d', '\t\r\n', '~!"#$%&()*,-./:;<>?[\\]^_`{|}']) {
    assert.equal(decodeXtext(encodeXtext(s)), s, JSON.stringify(s));
  }
});

test('xtext round trip keeps UTF-8', () => {
  for (const s of ['é', 'josé@bücher.de', '日本', '😀']) assert.equal(decodeXtext(encodeXtext(s)), s);
});
