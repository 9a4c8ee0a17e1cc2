import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyHeaderEdits } from '../../../core/index.js';
import type { MilterResult } from './conversation.js';
import { mapEdits } from './edits.js';

const MESSAGE = Buffer.from('Received: from a\r\nX-Tag: one\r\nSubject: hi\r\nX-Tag: two\r\n\tfolded\r\n\r\nbody\r\n', 'latin1');

function result(edits: MilterResult['edits']): MilterResult {
  return { verdict: { kind: 'continue' }, stage: 'eom', edits };
}

function applied(edits: MilterResult['edits']): string {
  const { edits: e } = mapEdits(MESSAGE, result(edits), 'm');
  return Buffer.concat(applyHeaderEdits(MESSAGE, [e])).toString('latin1');
}

test('ADDHEADER and INSHEADER go on top, LF folds become CRLF', () => {
  assert.equal(
    applied([{ kind: 'addheader', name: 'DKIM-Signature', value: 'v=1;\n\tb=abc' }, { kind: 'insheader', index: 3, name: 'X-Ins', value: 'x' }]),
    `DKIM-Signature: v=1;\r\n\tb=abc\r\nX-Ins: x\r\n${MESSAGE.toString('latin1')}`,
  );
});

test('CHGHEADER changes the n-th field of its name, deletes it with an empty value, adds it past the last', () => {
  assert.equal(applied([{ kind: 'chgheader', index: 2, name: 'x-tag', value: 'new' }]), 'x-tag: new\r\nReceived: from a\r\nX-Tag: one\r\nSubject: hi\r\n\r\nbody\r\n');
  assert.equal(applied([{ kind: 'chgheader', index: 1, name: 'X-Tag', value: '' }]), 'Received: from a\r\nSubject: hi\r\nX-Tag: two\r\n\tfolded\r\n\r\nbody\r\n');
  assert.equal(applied([{ kind: 'chgheader', index: 5, name: 'X-Tag', value: 'three' }]), `X-Tag: three\r\n${MESSAGE.toString('latin1')}`);
});

test('QUARANTINE becomes a hold with the milter\'s reason', () => {
  assert.equal(mapEdits(MESSAGE, result([{ kind: 'quarantine', reason: 'bad signature' }]), 'opendkim').hold, 'milter opendkim: bad signature');
  assert.equal(mapEdits(MESSAGE, result([]), 'opendkim').hold, undefined);
});

test('a value whose line break does not fold is refused (no header injection)', () => {
  assert.throws(() => mapEdits(MESSAGE, result([{ kind: 'addheader', name: 'X-A', value: 'a\nBcc: evil@example.com' }]), 'm'), /do not fold/);
  assert.throws(() => mapEdits(MESSAGE, result([{ kind: 'addheader', name: 'X-A', value: 'a\r\n' }]), 'm'), /do not fold/);
});
