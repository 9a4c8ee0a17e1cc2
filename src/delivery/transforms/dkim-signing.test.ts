import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import type { QueueId } from '../../core/index.js';
import type { SigningKey } from '../../mailauth/index.js';
import type { MessageSummary } from '../../queue/index.js';
import { dkimSigningTransform } from './dkim-signing.js';
import { OutboundTransforms, type OutboundTransform } from './outbound.js';

const T = Date.UTC(2026, 10, 30);
const ed = (selector: string): SigningKey => ({ domain: 'example.com', selector, algorithm: 'ed25519', privateKey: generateKeyPairSync('ed25519').privateKey });

function setup(keys: SigningKey[]) {
  let now = T;
  const ring = { generation: 1, hasKeys: true, keys, keysFor: (d: string) => (d === 'example.com' || d.endsWith('.example.com') ? ring.keys : []) };
  const transform = dkimSigningTransform({ keyring: ring, clock: { now: () => now }, config: { timestamp: true } });
  return { ring, transform, advance: (ms: number) => (now += ms) };
}

const summary = (id: string) => ({ id: id as QueueId }) as MessageSummary;
const message = (from = 'a@example.com', extra = '') => Buffer.from(`From: ${from}\r\nTo: b@example.org\r\nSubject: hi\r\n${extra}\r\nbody\r\n`);

async function sign(t: OutboundTransform, id: string, stored: Buffer, before: readonly OutboundTransform[] = []): Promise<string> {
  const parts = await new OutboundTransforms([...before, t]).apply({ message: summary(id), recipients: [], route: { kind: 'mx' } as never }, stored);
  return Buffer.concat(parts).toString('latin1');
}

const signatures = (text: string) => text.match(/^DKIM-Signature:[^]*?(?=\r\n[^ \t])/gm) ?? [];

test('mail from a domain with a key gets one signature per key on top; others pass untouched', async () => {
  const { transform } = setup([ed('s1'), ed('s2')]);
  const out = await sign(transform, 'Q1', message('a@news.example.com'));
  assert.deepEqual(signatures(out).map((s) => /s=(\w+)/.exec(s)?.[1]), ['s1', 's2']);
  assert.ok(out.endsWith(message('a@news.example.com').toString('latin1')));
  assert.equal(await sign(transform, 'Q2', message('a@example.org')), message('a@example.org').toString('latin1'));
  const noFrom = Buffer.from('To: b@example.org\r\n\r\nbody\r\n');
  assert.equal(await sign(transform, 'Q3', noFrom), noFrom.toString('latin1'), 'no From: nothing to sign for (RFC 6376 §5.1)');
});

test('a message split over several jobs is signed once; a changed header, key set or a later retry signs again', async () => {
  const { ring, transform, advance } = setup([ed('s1')]);
  const stored = message();
  const first = await sign(transform, 'Q1', stored);
  advance(1000);
  assert.equal(await sign(transform, 'Q1', Buffer.from(stored)), first, 'same queue id and bytes: the same signature, t= included');
  const other = await sign(transform, 'Q2', stored);
  assert.notEqual(signatures(other)[0], signatures(first)[0], 'another message signs afresh (t= moved on)');

  const perJob: OutboundTransform = { name: 'per-job', edit: () => ({ prepend: ['X-Job: 2\r\n'] }) };
  const edited = await sign(transform, 'Q1', stored, [perJob]);
  assert.notEqual(signatures(edited)[0], signatures(first)[0], 'an earlier transform changed the header: signed again');

  ring.generation = 2;
  ring.keys = [ed('s9')];
  assert.match(await sign(transform, 'Q1', stored), /s=s9;/, 'after a key switch the new key signs');
  advance(10 * 60_000);
  const later = await sign(transform, 'Q1', stored);
  assert.match(later, new RegExp(`t=${(T + 1000 + 10 * 60_000) / 1000};`), 'a retry much later gets a fresh t=');
});

test('the cache is bounded: the oldest message goes first', async () => {
  let now = T;
  const key = ed('s1');
  const transform = dkimSigningTransform({ keyring: { generation: 1, hasKeys: true, keysFor: () => [key] }, clock: { now: () => now }, config: { timestamp: true }, cacheSize: 2 });
  const t = async (id: string) => {
    now += 1000;
    return /t=(\d+)/.exec(await sign(transform, id, message()))?.[1];
  };
  const a = await t('A');
  await t('B');
  assert.equal(await t('A'), a, 'A is still kept');
  await t('C');
  assert.notEqual(await t('A'), a, 'A was evicted by C');
});
