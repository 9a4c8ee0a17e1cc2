import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { dialog, replies, runCommand } from '../helpers/clients.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { logEntries, ReplyClient } from '../helpers/reply-client.js';

/**
 * `limits.maxConnections` (issue 16): simultaneous inbound connections in all,
 * across every listener. With `limits.connectionQueue: 0`, past it a client
 * gets `421 4.7.0` and is closed; a slot is given back when a client leaves.
 * Loopback is a trusted network, so `limits.connectionsPerClient` does not
 * apply to these clients.
 */
describe('limits.maxConnections on inbound, without a waiting room', { timeout: 60_000 }, () => {
  let b: Baton;

  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }, { role: 'mx' }],
        localDomains: ['local.test'],
        limits: { maxConnections: 3, connectionQueue: 0 },
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

/**
 * Back-pressure (issue 10): past `limits.maxConnections` a connection is
 * accepted but waits, not greeted and not read, for a free slot (up to
 * `limits.connectionQueue` of them, for `limits.connectionQueueTimeout` at
 * most); it is served, oldest first, when a session ends.
 */
describe('limits.maxConnections with a waiting room', { timeout: 90_000 }, () => {
  let b: Baton;
  let port: number;

  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        limits: { maxConnections: 2, connectionQueue: 2, connectionQueueTimeout: '3s' },
        ...(await undeliverable()),
      },
    });
    port = b.ports.mx as number;
  });
  after(() => b?.stop());

  /** Lines of the server's log saying a connection waits; waited for until there are `n`. */
  const waitingLogged = (n: number) =>
    waitFor(`${n} "waiting for a free slot" log lines`, () => logEntries(b.logs(), { msg: 'connection waiting for a free slot (limits.maxConnections)' }).length >= n);

  test('connections past the cap wait established and unanswered, beyond the room get 421, and are served oldest first as slots free', async () => {
    const open: ReplyClient[] = [];
    const client = () => {
      const c = new ReplyClient(port);
      open.push(c);
      return c;
    };
    try {
      // The readiness probe of startBaton may hold a slot for a moment: wait until two are greeted.
      const held = [await greetedClient(port, open), await greetedClient(port, open)];
      const third = client();
      const fourth = client();
      await third.whenConnected();
      await fourth.whenConnected();
      await waitingLogged(2);
      assert.equal(await establishedTo(port), 4, 'two served and two waiting, all established at the TCP level');
      assert.equal(third.received + fourth.received, '', 'nothing sent to a waiting connection');
      const fifth = client();
      const refused = await fifth.next();
      assert.equal(refused.text, '421 4.7.0 Too many connections, try again later', 'the room is full');
      await fifth.closed();

      held[0]?.destroy();
      const greeted = await third.next();
      assert.match(greeted.text, /^220 /, 'the oldest waiting connection gets the slot');
      assert.equal(fourth.received, '', 'the next one still waits');
      third.send('EHLO late.test');
      assert.equal((await third.next()).code, 250, 'and is served like any other');
      held[1]?.destroy();
      assert.match((await fourth.next()).text, /^220 /);
    } finally {
      for (const c of open) c.destroy();
    }
  });

  test('a connection that waits longer than connectionQueueTimeout gets 421 4.7.0 and is closed', async () => {
    const open: ReplyClient[] = [];
    try {
      await greetedClient(port, open);
      await greetedClient(port, open);
      const before = logEntries(b.logs(), { msg: 'connection waiting for a free slot (limits.maxConnections)' }).length;
      const late = new ReplyClient(port);
      open.push(late);
      await waitingLogged(before + 1);
      const r = await late.next(20_000);
      assert.equal(r.text, '421 4.7.0 Too many connections, try again later');
      assert.ok(r.at - late.connectedAt >= 2900, `refused after ${r.at - late.connectedAt} ms, before the 3 s timeout`);
      await late.closed();
    } finally {
      for (const c of open) c.destroy();
    }
    assert.ok(b.alive(), b.logs());
  });
});

/** A new connection that got its 220 (retried while a slot is still taken by a client that just left). */
async function greetedClient(port: number, open: ReplyClient[]): Promise<ReplyClient> {
  return waitFor('a greeted connection', async () => {
    const c = new ReplyClient(port);
    open.push(c);
    const first = await c.next(2_000).catch(() => undefined);
    if (first?.code === 220) return c;
    c.destroy();
    return undefined;
  }, 20_000, 100);
}

/** Established TCP connections to the listener, counted by the kernel (ss), server side. */
async function establishedTo(port: number): Promise<number> {
  const r = await runCommand('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}
