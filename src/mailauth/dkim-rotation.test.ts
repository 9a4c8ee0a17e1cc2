import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DnsResult } from '../dns/index.js';
import type { DkimKeyEvent } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import { createKey } from './dkim-key-admin.js';
import type { DkimKeyRecord, DkimKeyState } from './dkim-key-store.js';
import { DkimKeyring } from './dkim-keyring.js';
import type { Publication } from './dkim-record.js';
import { rotationSteps, type RotationPolicy } from './dkim-rotation.js';
import { DnsPublicationChecker } from './dns-publication-checker.js';
import { KeySealer } from './key-seal.js';
import { openSqliteDkimKeyStore } from './sqlite-dkim-key-store.js';

const DAY = 86_400_000;
const T = Date.UTC(2026, 10, 1);

const rec = (selector: string, state: DkimKeyState, stateSince: number, algorithm: 'rsa-2048' | 'ed25519' = 'rsa-2048'): DkimKeyRecord => ({
  domain: 'example.com', selector, algorithm, state, stateSince, publicKey: `p-${selector}`, createdAt: stateSince,
});

test('the state machine: a published pending key is switched to; missing, wrong and unknown ones are not', () => {
  const keys = [rec('old', 'active', T), rec('new', 'pending-dns', T + DAY)];
  const policy = { retireAfterMs: 7 * DAY };
  const dns = (status: Publication['status']) => () => (status === 'published' ? { status } : { status, detail: 'x' }) as Publication;
  assert.deepEqual(rotationSteps(keys, dns('published'), T + 2 * DAY, policy), [{ kind: 'activate', domain: 'example.com', selector: 'new' }]);
  for (const s of ['missing', 'wrong', 'unknown'] as const) assert.deepEqual(rotationSteps(keys, dns(s), T + 2 * DAY, policy), [], s);
});

test('the state machine: a retiring key retires after retireAfter; rotateEvery starts a rotation once, per algorithm', () => {
  const policy = { retireAfterMs: 7 * DAY, rotateEveryMs: 30 * DAY };
  const none = () => undefined;
  const retiring = [rec('a', 'retiring', T), rec('b', 'active', T)];
  assert.deepEqual(rotationSteps(retiring, none, T + 7 * DAY - 1, policy), []);
  assert.deepEqual(rotationSteps(retiring, none, T + 7 * DAY, policy), [{ kind: 'retire', domain: 'example.com', selector: 'a' }]);
  const old = [rec('r', 'active', T), rec('e', 'active', T + 20 * DAY, 'ed25519')];
  assert.deepEqual(rotationSteps(old, none, T + 30 * DAY, policy), [{ kind: 'rotate', domain: 'example.com', algorithm: 'rsa-2048' }]);
  assert.deepEqual(rotationSteps([...old, rec('r2', 'pending-dns', T + 30 * DAY)], none, T + 31 * DAY, policy), [], 'one under way already');
  assert.deepEqual(rotationSteps(old, none, T + 30 * DAY, { retireAfterMs: DAY }), [], 'off without rotateEvery');
});

const dir = mkdtempSync(join(tmpdir(), 'baton-rot-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A DNS that serves what the test says, per name. */
function fakeDns() {
  const zone = new Map<string, DnsResult<readonly (readonly string[])[]>>();
  return {
    zone,
    publish: (name: string, ...values: string[]) => zone.set(name, { ok: true, value: values.map((v) => [v.slice(0, 255), v.slice(255)].filter((s) => s !== '')) }),
    async resolveTxt(name: string): Promise<DnsResult<readonly (readonly string[])[]>> {
      return zone.get(name) ?? { ok: false, error: { kind: 'nxdomain', code: 'NXDOMAIN', message: name } };
    },
  };
}

/** A checker on a fresh store, with a clock the test moves and a DNS it fills. */
function checkerRig(name: string, policy: RotationPolicy) {
  const rig = {
    now: T,
    clock: { now: () => rig.now },
    store: openSqliteDkimKeyStore({ path: join(dir, `${name}.db`) }),
    sealer: new KeySealer('a test secret, long enough'),
    dns: fakeDns(),
    events: [] as DkimKeyEvent[],
  };
  const keyring = new DkimKeyring({ store: rig.store, sealer: rig.sealer });
  const checker = new DnsPublicationChecker({
    ...rig, keyring, intervalMs: 60_000, policy, onEvent: (e) => rig.events.push(e), logger: silentLogger(),
  });
  return { ...rig, keyring, checker, advance: (ms: number) => (rig.now += ms) };
}

test('a rotation end to end with a fake clock and DNS: old key signs until the new record is right, then retires', async () => {
  const { store, sealer, clock, dns, keyring, checker, events, advance } = checkerRig('rot', { retireAfterMs: 7 * DAY });
  const signer = () => keyring.keysFor('mail.example.com').map((k) => k.selector);
  const states = async () => Object.fromEntries((await store.list()).map((k) => [k.selector, k.state]));
  try {
    const first = await createKey({ store, sealer, clock }, { domain: 'example.com', algorithm: 'ed25519', selector: 's1' });
    await checker.check();
    assert.deepEqual(signer(), [], 'a key DNS does not publish never signs');
    dns.publish(first.name, first.value);
    await checker.check();
    assert.deepEqual(signer(), ['s1'], 'a subdomain is signed with its parent domain key');

    advance(30 * DAY);
    const second = await createKey({ store, sealer, clock }, { domain: 'example.com', algorithm: 'ed25519', selector: 's2' });
    dns.publish(second.name, first.value); // a copy-paste slip: the old key under the new name
    await checker.check();
    assert.deepEqual(await states(), { s1: 'active', s2: 'pending-dns' });
    assert.deepEqual(signer(), ['s1'], 'a key whose record is wrong is never switched to');
    dns.publish(second.name, second.value, first.value.replace('p=', 'p=X'));
    await checker.check();
    assert.deepEqual(signer(), ['s1'], 'nor while another, different DKIM record sits beside it');
    dns.publish(second.name, second.value);
    advance(60_000);
    await checker.check();
    assert.deepEqual(await states(), { s1: 'retiring', s2: 'active' });
    assert.deepEqual(signer(), ['s2']);

    advance(7 * DAY - 1);
    await checker.check();
    assert.equal((await states()).s1, 'retiring', 'not before retireAfter');
    advance(1);
    await checker.check();
    assert.deepEqual(await states(), { s1: 'retired', s2: 'active' });
    assert.equal((await store.list()).find((k) => k.selector === 's1')?.sealedKey, undefined, 'its private key is erased');
    assert.deepEqual(
      events.map((e) => `${e.selector}:${e.from ?? ''}>${e.state} ${e.reason ?? ''}`),
      ['s1:pending-dns>active dns published', 's2:pending-dns>active dns published', 's1:active>retiring replaced by s2', 's1:retiring>retired retire-after elapsed'],
    );
  } finally {
    await store.close();
  }
});

test('rotateEvery makes a new pending key itself; the old one signs on until DNS has the new one', async () => {
  const { store, sealer, clock, dns, keyring, checker, events, advance } = checkerRig('auto', { retireAfterMs: DAY, rotateEveryMs: 90 * DAY });
  try {
    const k = await createKey({ store, sealer, clock }, { domain: 'example.com', algorithm: 'rsa-2048', selector: 'r1' });
    dns.publish(k.name, k.value);
    await checker.check();
    advance(90 * DAY);
    await checker.check();
    await checker.check();
    const pending = (await store.list()).filter((x) => x.state === 'pending-dns');
    assert.equal(pending.length, 1, 'one rotation, not one per round');
    assert.equal(pending[0]?.selector, 'b2027-01-rsa');
    assert.deepEqual(keyring.keysFor('example.com').map((x) => x.selector), ['r1']);
    assert.equal(events.at(-1)?.reason, 'rotate-every');
  } finally {
    await store.close();
  }
});
