import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newQueueId, type QueueId } from '../core/index.js';
import { verpReturnPath } from './return-path.js';
import { VerpTokens } from './verp-token.js';
import type { MessageSummary } from '../queue/index.js';

const clock = { now: () => 1_796_032_800_000 };
const k1 = { id: 'k1', secret: 'first secret of sixteen+' };
const k2 = { id: 'k2', secret: 'second secret of sixteen' };

describe('VERP tokens', () => {
  test('a signed token verifies to its queue id, in any case, and fits a local part (RFC 5321 §4.5.3.1.1)', () => {
    const tokens = new VerpTokens([k1]);
    for (let i = 0; i < 50; i++) {
      const id = newQueueId(clock);
      const token = tokens.sign(id);
      assert.ok(`bounce+${token}`.length <= 64, token);
      assert.equal(tokens.verify(token), id);
      assert.equal(tokens.verify(token.toUpperCase()), id, 'case folded on the way back');
    }
  });

  test('tokens cannot be forged: another queue id, a changed MAC, an unknown key or another secret do not verify', () => {
    const tokens = new VerpTokens([k1]);
    const id = newQueueId(clock);
    const token = tokens.sign(id);
    const [qid, keyId, mac] = token.split('-') as [string, string, string];
    const other = newQueueId({ now: () => clock.now() + 1 }).toLowerCase();
    assert.equal(tokens.verify(`${other}-${keyId}-${mac}`), undefined, 'the MAC of one id on another');
    const flipped = mac.slice(0, -1) + (mac.endsWith('a') ? 'b' : 'a');
    assert.equal(tokens.verify(`${qid}-${keyId}-${flipped}`), undefined, 'one MAC character changed');
    assert.equal(tokens.verify(`${qid}-k9-${mac}`), undefined, 'unknown key id');
    assert.equal(new VerpTokens([{ id: 'k1', secret: 'some other secret here' }]).verify(token), undefined, 'same key id, other secret');
    for (const junk of ['', 'x', `${qid}-${keyId}`, `${qid}--${mac}`, `${qid}-${keyId}-${mac}-x`, '../../etc/passwd']) assert.equal(tokens.verify(junk), undefined, junk);
  });

  test('a rotation keeps old tokens valid: the first secret signs, every secret verifies', () => {
    const id = newQueueId(clock);
    const old = new VerpTokens([k1]).sign(id);
    const rotated = new VerpTokens([k2, k1]);
    assert.equal(rotated.verify(old), id);
    assert.match(rotated.sign(id), /-k2-/);
    assert.equal(new VerpTokens([k2]).verify(old), undefined, 'once the old secret is dropped, its tokens die');
  });

  test('tokenOf takes the token out of bounce+TOKEN only', () => {
    assert.equal(VerpTokens.tokenOf('bounce+abc'), 'abc');
    assert.equal(VerpTokens.tokenOf('BOUNCE+abc'), 'abc');
    assert.equal(VerpTokens.tokenOf('bounce+'), undefined);
    assert.equal(VerpTokens.tokenOf('postmaster'), undefined);
  });
});

describe('the VERP return path', () => {
  const tokens = new VerpTokens([k1]);
  const config = { suppressScope: 'global' as const, secrets: [k1], domain: 'bounces.example.test', verp: { transactional: false, bulk: true } };
  const message = (stream: 'bulk' | 'transactional' | undefined, mailFrom: { local: string; domain: string } | null): MessageSummary => ({
    id: newQueueId(clock) as QueueId,
    envelope: { mailFrom, recipients: [], params: {} },
    origin: { kind: 'smtp', ...(stream ? { stream } : {}) },
    size: 1,
    receivedAt: 0,
    expiresAt: 1,
    held: false,
  });
  const path = verpReturnPath(config, tokens);

  test('bulk mail gets bounce+TOKEN@<bounce domain>, and the token names the message', () => {
    const m = message('bulk', { local: 'news', domain: 'example.test' });
    const rp = path?.(m);
    assert.equal(rp?.domain, 'bounces.example.test');
    assert.equal(tokens.verify(VerpTokens.tokenOf(rp?.local ?? '') ?? ''), m.id);
  });
  test('transactional mail (the stream absent, or named) keeps its sender unless configured', () => {
    assert.equal(path?.(message(undefined, { local: 'a', domain: 'example.test' })), undefined);
    assert.equal(path?.(message('transactional', { local: 'a', domain: 'example.test' })), undefined);
    const both = verpReturnPath({ ...config, verp: { transactional: true, bulk: true } }, tokens);
    assert.ok(both?.(message(undefined, { local: 'a', domain: 'example.test' })));
  });
  test('the null sender is never rewritten (RFC 5321 §4.5.5)', () => {
    assert.equal(path?.(message('bulk', null)), undefined);
  });
  test('no bounce domain: no return path function at all', () => {
    const { domain: _, ...without } = config;
    assert.equal(verpReturnPath(without, undefined), undefined);
  });
});
