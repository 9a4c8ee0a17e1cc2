import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { dialog, replies } from '../helpers/clients.js';
import { waitFor } from '../helpers/deliver-kit.js';

/**
 * `limits.maxConnections` (issue 16): simultaneous inbound connections in all,
 * across every listener. Past it a client gets `421 4.7.0` and is closed; a
 * slot is given back when a client leaves. Loopback is a trusted network, so
 * `limits.connectionsPerClient` does not apply to these clients.
 */
describe('limits.maxConnections on inbound', { timeout: 60_000 }, () => {
  let b: Baton;

  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }, { role: 'mx' }],
        localDomains: ['local.test'],
        limits: { maxConnections: 3 },
        ...(await undeliverable()),
      },
    });
  });
  after(() => b?.stop());

  test('with 3 connections open a fourth gets 421 4.7.0 and is closed, on any listener; once one leaves, a new one is served', async () => {
    const [first, second] = b.listeners.map((l) => l.port) as [number, number];
    const held: Socket[] = [];
    try {
      // The readiness probes of startBaton may still count for a moment: retry until three are greeted.
      for (const port of [first, first, second]) held.push(await waitFor(`a greeted connection on ${port}`, () => openGreeted(port), 10_000, 100));
      const over = await greetingAndClose(second);
      assert.match(over.greeting, /^421 4\.7\.0 /, over.greeting);
      assert.equal(over.closed, true, 'the server closes the connection after the 421');
      const overFirst = await greetingAndClose(first);
      assert.match(overFirst.greeting, /^421 4\.7\.0 /, `the limit is shared by the listeners: ${overFirst.greeting}`);

      // One client leaves: its slot is given back (bounded polling, the server sees the close a moment later).
      held.shift()?.destroy();
      const again = await waitFor('a new connection to be greeted', () => openGreeted(first), 10_000, 100);
      held.push(again);
      const full = await greetingAndClose(second);
      assert.match(full.greeting, /^421 4\.7\.0 /, `full again with the new client: ${full.greeting}`);
    } finally {
      for (const s of held) s.destroy();
    }
    assert.ok(b.alive(), b.logs());
  });
});

/** The first reply of a new connection (Python's socket client, dialog.py), and whether the server then closed it. */
async function greetingAndClose(port: number): Promise<{ greeting: string; closed: boolean }> {
  const ev = await dialog(port, [{ read: true }, { expect_close: 5 }]);
  return { greeting: replies(ev)[0] ?? '', closed: ev.at(-1)?.closed === true };
}

/** A connection that got its 220 greeting, or undefined if the server answered anything else (e.g. 421). */
function openGreeted(port: number): Promise<Socket | undefined> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no greeting within 10 s'));
    }, 10_000);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (!/\r\n/.test(buf)) return;
      clearTimeout(timer);
      if (/^220 /.test(buf)) return resolve(s);
      s.destroy();
      resolve(undefined);
    });
    s.once('close', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
