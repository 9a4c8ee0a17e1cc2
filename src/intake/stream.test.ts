import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyHeaderEdits, formatStatus, partsLength, SmtpError, type Origin } from '../core/index.js';
import { decideStream } from './stream.js';
import type { Submission } from './types.js';

const base: Origin = { kind: 'smtp', clientIp: '192.0.2.1' };

function sub(header: string, more: Partial<Submission> = {}): Submission {
  return {
    mailFrom: { local: 'news', domain: 'example.com' },
    recipients: [{ address: { local: 'bob', domain: 'example.org' } }],
    params: {},
    origin: base,
    content: Buffer.from(`${header}Subject: hi\r\n\r\nbody\r\n`),
    isSubmission: true,
    ...more,
  };
}

const edited = (s: Submission, edit: ReturnType<typeof decideStream>['edit']) => Buffer.concat(applyHeaderEdits(s.content, edit ? [edit] : [])).toString();

test('an authenticated or trusted client names the stream with X-Baton-Stream, and the field is removed', () => {
  const s = sub('X-Baton-Stream: Bulk\r\n', { mayChooseStream: true });
  const d = decideStream(s, undefined);
  assert.equal(d.origin.stream, 'bulk');
  assert.equal(edited(s, d.edit), 'Subject: hi\r\n\r\nbody\r\n');
});

test('"transactional" overrides a bulk user setting; absent means transactional', () => {
  const d = decideStream(sub('x-baton-stream:  transactional\r\n', { mayChooseStream: true, origin: { ...base, stream: 'bulk' } }), undefined);
  assert.equal('stream' in d.origin, false);
});

test('without the field the session\'s origin (the user\'s setting) stands and nothing is edited', () => {
  const origin: Origin = { ...base, stream: 'bulk' };
  const d = decideStream(sub('', { mayChooseStream: true, origin }), undefined);
  assert.equal(d.origin, origin);
  assert.equal(d.edit, undefined);
});

test('from a client that may not choose, the field is ignored but still removed', () => {
  const s = sub('X-Baton-Stream: bulk\r\n', { mayChooseStream: false });
  const d = decideStream(s, undefined);
  assert.equal(d.origin.stream, undefined);
  assert.equal(edited(s, d.edit), 'Subject: hi\r\n\r\nbody\r\n');
  assert.equal(partsLength(applyHeaderEdits(s.content, [d.edit!])) < s.content.length, true);
});

test('an unknown stream from a client that may choose is refused with 550 5.6.0', () => {
  assert.throws(
    () => decideStream(sub('X-Baton-Stream: bluk\r\n', { mayChooseStream: true }), undefined),
    (err: unknown) => err instanceof SmtpError && err.reply.code === 550 && err.reply.status !== undefined && formatStatus(err.reply.status) === '5.6.0',
  );
});

test('bulk.requireUnsubscribe without unsubscribe config: bulk mail needs its own valid List-Unsubscribe', () => {
  const rules = { bulkNeedsOwnUnsubscribe: true };
  const refused = (header: string) => {
    try {
      decideStream(sub(`X-Baton-Stream: bulk\r\n${header}`, { mayChooseStream: true }), rules);
      return false;
    } catch (err) {
      return err instanceof SmtpError && err.reply.code === 550;
    }
  };
  assert.equal(refused(''), true);
  assert.equal(refused('List-Unsubscribe: <mailto:u@example.com>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n'), true);
  assert.equal(refused('List-Unsubscribe: <https://example.com/u/1>\r\n'), true);
  assert.equal(refused('List-Unsubscribe: <mailto:u@example.com>,\r\n <https://example.com/u/1>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n'), false);
  // Transactional mail is not asked.
  assert.doesNotThrow(() => decideStream(sub(''), rules));
});
