import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queueList, startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { dialog, replies, replyLines } from '../helpers/clients.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { logEntries, ReplyClient } from '../helpers/reply-client.js';

/**
 * The pregreet test (issue 10; Postfix postscreen's pregreet test): on mx an
 * untrusted client waits `pregreet.wait` for its 220, and one that talks
 * before it gets 554 5.5.0 and is closed, with a `rejected` event naming the
 * check. Trusted clients, and every client of a submission listener, are
 * greeted at once.
 */
describe('pregreet on mx', { timeout: 120_000 }, () => {
  describe('with a long pause (30 s)', () => {
    let b: Baton;

    before(async () => {
      b = await startBaton({
        config: {
          listeners: [{ role: 'mx' }, { role: 'submission' }],
          localDomains: ['local.test'],
          relay: { trustedNetworks: ['127.0.0.2/32'] },
          pregreet: { wait: '30s' },
          ...(await undeliverable()),
        },
      });
    });
    after(() => b?.stop());

    test('a client that talks before the greeting gets 554 5.5.0, is closed, and a rejected event names pregreet', async () => {
      const ev = await dialog(b.ports.mx as number, [{ send: 'EHLO early.test\r\n' }, { expect_close: 15 }], { source: '127.0.0.9' });
      const end = ev.find((e) => e.closed !== undefined);
      assert.equal(end?.closed, true, `not closed: ${JSON.stringify(ev)}`);
      const lines = replyLines(end?.data ?? '');
      assert.deepEqual(lines, ['554 5.5.0 Protocol error: client sent data before the greeting'], 'no 220, no answer to the EHLO');
      await waitFor('the rejected event', () => logEntries(b.logs(), { msg: 'rejected', check: 'pregreet', client: '127.0.0.9', stage: 'connect' }).length === 1);
      assert.equal((await queueList(b)).length, 0);
    });

    // The read bound (10 s in dialog.py) is a third of the pause: a greeting
    // within it was not held back.
    test('a trusted client is greeted at once, without the pause', async () => {
      const r = replies(await dialog(b.ports.mx as number, [{ read: true }, { send: 'QUIT\r\n' }, { read: true }], { source: '127.0.0.2' }));
      assert.match(r[0] ?? '', /^220 /, r.join(' | '));
    });

    test('a submission listener greets an untrusted client at once (pregreet is an mx check)', async () => {
      const r = replies(await dialog(b.ports.submission as number, [{ read: true }, { send: 'QUIT\r\n' }, { read: true }], { source: '127.0.0.9' }));
      assert.match(r[0] ?? '', /^220 /, r.join(' | '));
    });
  });

  describe('with the pause at 1 s', () => {
    let b: Baton;

    before(async () => {
      b = await startBaton({
        config: {
          listeners: [{ role: 'mx' }],
          localDomains: ['local.test'],
          relay: { trustedNetworks: ['127.0.0.2/32'] },
          pregreet: { wait: '1s' },
          ...(await undeliverable()),
        },
      });
    });
    after(() => b?.stop());

    test('a polite untrusted client gets its 220 after the pause, not before, and is then served', async () => {
      const c = new ReplyClient(b.ports.mx as number, '127.0.0.10');
      try {
        await c.whenConnected();
        const greeting = await c.next();
        assert.match(greeting.text, /^220 baton\.test /);
        // Timers never fire early: the greeting cannot come sooner than the pause.
        assert.ok(greeting.at - c.connectedAt >= 990, `greeted ${greeting.at - c.connectedAt} ms after connecting`);
        c.send('EHLO polite.test');
        assert.equal((await c.next()).code, 250);
        c.send('QUIT');
        assert.equal((await c.next()).code, 221);
      } finally {
        c.destroy();
      }
    });
  });
});
