import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReply, type SmtpReply } from '../core/index.js';
import { parseMailParams, parseRcptParams } from './mail-params.js';

const MAX = 10_000;

function mailOk(text: string): object {
  const r = parseMailParams(text, MAX);
  assert.ok(r.ok, `${text}: ${r.ok ? '' : formatReply(r.reply)}`);
  return r.params;
}

function mailFails(text: string): string {
  const r = parseMailParams(text, MAX);
  assert.equal(r.ok, false, text);
  return r.ok ? '' : status(r.reply);
}

function status(reply: SmtpReply): string {
  return formatReply(reply).slice(0, 9);
}

test('no parameters', () => {
  assert.deepEqual(mailOk(''), {});
});

test('SIZE (RFC 1870): within the limit, exactly at it, over it', () => {
  assert.deepEqual(mailOk('SIZE=0'), { size: 0 });
  assert.deepEqual(mailOk(`SIZE=${MAX}`), { size: MAX });
  assert.equal(mailFails(`SIZE=${MAX + 1}`), '552 5.3.4');
  assert.equal(mailFails('SIZE=99999999999999999999'), '552 5.3.4');
  for (const bad of ['SIZE', 'SIZE=-1', 'SIZE=1k', 'SIZE=1.5', 'SIZE=123456789012345678901']) assert.equal(mailFails(bad), '501 5.5.4', bad);
});

test('BODY (RFC 6152): 7BIT and 8BITMIME, any case; BINARYMIME not offered', () => {
  assert.deepEqual(mailOk('BODY=7BIT'), { body: '7BIT' });
  assert.deepEqual(mailOk('body=8bitmime'), { body: '8BITMIME' });
  assert.equal(mailFails('BODY=BINARYMIME'), '555 5.5.4');
  assert.equal(mailFails('BODY=8BIT'), '555 5.5.4');
  assert.equal(mailFails('BODY'), '555 5.5.4');
});

test('SMTPUTF8 (RFC 6531) takes no value', () => {
  assert.deepEqual(mailOk('SMTPUTF8'), { smtputf8: true });
  assert.deepEqual(mailOk('smtputf8 BODY=8BITMIME'), { smtputf8: true, body: '8BITMIME' });
  assert.equal(mailFails('SMTPUTF8=yes'), '501 5.5.4');
});

test('RET (RFC 3461 §4.3)', () => {
  assert.deepEqual(mailOk('RET=FULL'), { ret: 'FULL' });
  assert.deepEqual(mailOk('ret=hdrs'), { ret: 'HDRS' });
  for (const bad of ['RET', 'RET=ALL', 'RET=']) assert.equal(mailFails(bad), '501 5.5.4', bad);
});

test('ENVID (RFC 3461 §4.4): xtext, at most 100 characters', () => {
  assert.deepEqual(mailOk('ENVID=QQ314159'), { envid: 'QQ314159' });
  assert.deepEqual(mailOk('ENVID=a+2Bb+3Dc+20d'), { envid: 'a+b=c d' });
  assert.deepEqual(mailOk(`ENVID=${'x'.repeat(100)}`), { envid: 'x'.repeat(100) });
  for (const bad of ['ENVID', `ENVID=${'x'.repeat(101)}`, 'ENVID=a+2', 'ENVID=a+zz', 'ENVID=é']) assert.equal(mailFails(bad), '501 5.5.4', bad);
});

test('AUTH= on MAIL is accepted and ignored (RFC 4954 §5)', () => {
  assert.deepEqual(mailOk('AUTH=<>'), {});
  assert.deepEqual(mailOk('AUTH=user+40example.com SIZE=5'), { size: 5 });
});

test('unknown, duplicate and malformed MAIL parameters', () => {
  assert.equal(mailFails('XFOO=1'), '555 5.5.4');
  assert.equal(mailFails('SIZE=1 SIZE=1'), '501 5.5.4');
  assert.equal(mailFails('SIZE=1 size=2'), '501 5.5.4');
  assert.equal(mailFails('=1'), '501 5.5.4');
  assert.equal(mailFails('SIZE=1=2'), '501 5.5.4');
});

function rcpt(text: string): ReturnType<typeof parseRcptParams> {
  return parseRcptParams(text);
}

function rcptFails(text: string): string {
  const r = rcpt(text);
  assert.equal(r.ok, false, text);
  return r.ok ? '' : status(r.reply);
}

test('NOTIFY (RFC 3461 §4.1): NEVER alone, or any set of SUCCESS, FAILURE, DELAY', () => {
  assert.deepEqual(rcpt('NOTIFY=NEVER'), { ok: true, params: { notify: 'NEVER' } });
  assert.deepEqual(rcpt('notify=never'), { ok: true, params: { notify: 'NEVER' } });
  assert.deepEqual(rcpt('NOTIFY=SUCCESS'), { ok: true, params: { notify: ['SUCCESS'] } });
  assert.deepEqual(rcpt('NOTIFY=delay,Failure'), { ok: true, params: { notify: ['DELAY', 'FAILURE'] } });
  assert.deepEqual(rcpt('NOTIFY=SUCCESS,FAILURE,DELAY'), { ok: true, params: { notify: ['SUCCESS', 'FAILURE', 'DELAY'] } });
  for (const bad of ['NOTIFY=NEVER,SUCCESS', 'NOTIFY=FAILURE,NEVER', 'NOTIFY=NEVER,NEVER', 'NOTIFY=SUCCESS,SUCCESS', 'NOTIFY=SUCCESS,', 'NOTIFY=,DELAY', 'NOTIFY=ALWAYS', 'NOTIFY']) {
    assert.equal(rcptFails(bad), '501 5.5.4', bad);
  }
});

test('ORCPT (RFC 3461 §4.2): addr-type ";" xtext, decoded, type lower-cased', () => {
  assert.deepEqual(rcpt('ORCPT=rfc822;user+40example.com'), { ok: true, params: { orcpt: 'rfc822;user@example.com' } });
  assert.deepEqual(rcpt('ORCPT=RFC822;a@b.c NOTIFY=NEVER'), { ok: true, params: { orcpt: 'rfc822;a@b.c', notify: 'NEVER' } });
  assert.deepEqual(rcpt(`ORCPT=rfc822;${'x'.repeat(493)}`).ok, true, '500 characters');
  for (const bad of ['ORCPT=user@example.com', 'ORCPT=;a@b.c', 'ORCPT=rfc 822;a', 'ORCPT=rfc822;a+4', 'ORCPT=rfc_822;a@b.c', `ORCPT=rfc822;${'x'.repeat(494)}`, 'ORCPT']) {
    assert.equal(rcptFails(bad), '501 5.5.4', bad);
  }
});

test('unknown and duplicate RCPT parameters', () => {
  assert.equal(rcptFails('XFOO=1'), '555 5.5.4');
  assert.equal(rcptFails('NOTIFY=NEVER NOTIFY=NEVER'), '501 5.5.4');
  assert.deepEqual(rcpt(''), { ok: true, params: {} });
});

test('an unknown RCPT parameter without a value is "not recognized" too (RFC 5321 §4.1.1.11)', () => {
  assert.equal(rcptFails('XFOO'), '555 5.5.4');
});

test('REQUIRETLS (RFC 8689 §3): no value, on TLS only, only where offered; a repeated one is a syntax error', () => {
  const ok = parseMailParams('REQUIRETLS', MAX, 'offered');
  assert.ok(ok.ok && ok.params.requireTls === true);
  const mixed = parseMailParams('requiretls BODY=8BITMIME', MAX, 'offered');
  assert.ok(mixed.ok && mixed.params.requireTls === true && mixed.params.body === '8BITMIME');
  const fails = (text: string, state: 'offered' | 'needs-tls' | 'off'): string => {
    const r = parseMailParams(text, MAX, state);
    assert.equal(r.ok, false, `${text} ${state}`);
    return r.ok ? '' : status(r.reply);
  };
  const plain = parseMailParams('REQUIRETLS', MAX, 'needs-tls');
  assert.ok(!plain.ok && formatReply(plain.reply).startsWith('530 5.7.10 '), 'plaintext: 530 5.7.10');
  assert.equal(fails('REQUIRETLS', 'off'), '555 5.5.4');
  assert.equal(mailFails('REQUIRETLS'), '555 5.5.4', 'not offered by default');
  assert.equal(fails('REQUIRETLS=yes', 'offered'), '501 5.5.4');
  assert.equal(fails('REQUIRETLS REQUIRETLS', 'offered'), '501 5.5.4');
  assert.equal(fails('REQUIRETLS requiretls', 'offered'), '501 5.5.4');
});
