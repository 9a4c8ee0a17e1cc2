import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sleep } from '../helpers/baton.js';
import { sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { activeKey, dkimStatus, keyCommand, startDkimRig, verifyWithDkimpy, waitForReceived, waitForState, type DkimRig, type KeyRecord } from '../helpers/dkim.js';

/**
 * Staged DKIM key rotation (issue 8): `baton dkim rotate` makes a key that
 * waits for DNS while the old one signs; a wrong record is never switched to;
 * once DNS publishes the right one the node switches, and the old key retires
 * after `dkim.retireAfter`. Every message is verified by dkimpy, before,
 * during and after.
 */
describe('DKIM key rotation', { timeout: 180_000 }, () => {
  let rig: DkimRig;
  let port: number;
  let seen = 0;
  let old: KeyRecord;
  let next: KeyRecord;
  let signedBefore: Buffer;

  before(async () => {
    // Long enough for the checks between the switch and the retirement on a busy machine.
    rig = await startDkimRig({ dkim: { retireAfter: '15s' } });
    port = rig.baton.ports.mx as number;
    old = await activeKey(rig, 'rot.test', 'rsa-2048', 'old');
  });
  after(() => rig?.stop());

  /** Send one message from rot.test; dkimpy's verdict on what the sink got. */
  async function sendAndVerify(subject: string): Promise<{ data: Buffer; sigs: string[] }> {
    await sendVia(port, 'a@rot.test', ['b@remote.test'], testMessage('a@rot.test', 'b@remote.test', subject).text);
    const data = (await waitForReceived(rig.sink, ++seen))[seen - 1] as Buffer;
    return { data, sigs: (await verifyWithDkimpy(data, rig.dns)).map((s) => `${s.s} ${s.ok ? 'pass' : `FAIL ${s.error ?? ''}`}`) };
  }

  const keyState = async (selector: string) => (await dkimStatus(rig.baton)).flatMap((d) => d.keys).find((k) => k.selector === selector);

  test('before: the old key signs', async () => {
    const { data, sigs } = await sendAndVerify('before');
    assert.deepEqual(sigs, ['old pass']);
    signedBefore = data;
  });

  test('rotate makes a dated selector that waits for DNS; the old key signs meanwhile', async () => {
    const made = await keyCommand(rig.baton, ['rotate', 'rot.test']);
    assert.equal(made.length, 1);
    next = made[0] as KeyRecord;
    assert.match(next.selector, /^b\d{4}-\d{2}-rsa$/);
    assert.equal(next.name, `${next.selector}._domainkey.rot.test`);
    const again = await rig.baton.cli(['dkim', 'rotate', 'rot.test']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /rotation of rot\.test is under way/);
    await sleep(600); // three checks of the node
    assert.deepEqual(await keyState(next.selector).then((k) => [k?.state, k?.dns.status, k?.signs]), ['pending-dns', 'missing', false]);
    assert.deepEqual((await sendAndVerify('during, no record yet')).sigs, ['old pass']);
  });

  test('a key whose DNS record is wrong is never switched to', async () => {
    // The old key's value published under the new name: a copy-paste slip.
    await rig.dns.publish(next.name, old.strings);
    await waitFor('the node to see the wrong record', () => rig.baton.logs().includes('dkim key not switched to') || undefined, 10_000);
    await sleep(1000); // five more checks
    const k = await keyState(next.selector);
    assert.equal(k?.state, 'pending-dns');
    assert.equal(k?.dns.status, 'wrong');
    assert.match(k?.note ?? '', /will not switch/);
    assert.deepEqual((await sendAndVerify('during, wrong record')).sigs, ['old pass']);
  });

  test('once DNS publishes the new key the node switches; the old one is retiring and its record must stay', async () => {
    await rig.dns.publish(next.name, next.strings);
    await waitForState(rig.baton, 'active', next.selector);
    await waitForState(rig.baton, 'retiring', 'old');
    const retiring = await keyState('old');
    assert.equal(retiring?.signs, false);
    assert.match(retiring?.note ?? '', /keep its DNS record published until \d{4}-/);
    assert.deepEqual((await dkimStatus(rig.baton)).find((d) => d.domain === 'rot.test')?.signing, [next.selector]);
    assert.deepEqual((await sendAndVerify('after')).sigs, [`${next.selector} pass`]);
    const before = await verifyWithDkimpy(signedBefore, rig.dns);
    assert.deepEqual(before.map((s) => `${s.s} ${s.ok}`), ['old true'], 'mail signed before the switch still verifies');
  });

  test('after retireAfter the old key is retired: its record may go, the new key signs on', async () => {
    await waitForState(rig.baton, 'retired', 'old');
    assert.match((await keyState('old'))?.note ?? '', /may be removed/);
    const log = rig.baton.logs();
    assert.match(log, /"msg":"dkim key retiring"/);
    assert.match(log, new RegExp(`"reason":"replaced by ${next.selector}"`));
    await rig.dns.publish(old.name);
    assert.deepEqual((await sendAndVerify('after retirement')).sigs, [`${next.selector} pass`]);
  });
});
