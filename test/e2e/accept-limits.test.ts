import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { undeliverable, queueList, queuedId, startBaton, type Baton } from '../helpers/baton.js';
import { cmds, dialog, GREET_EHLO, replies, type DialogEvent, type DialogStep } from '../helpers/clients.js';
import { waitFor } from '../helpers/deliver-kit.js';

/**
 * Limits (issue 2): command line length, message size (RFC 1870), recipients per
 * message, errors per session, idle time and connections per client IP. Each gets
 * its catalogue reply, a clean close where the session ends, the server survives,
 * and nothing is half-stored.
 */
describe('limits on mx', { timeout: 180_000 }, () => {
  let b: Baton;
  let port: number;
  let queued = 0;

  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        relay: { trustedNetworks: ['127.0.0.2/32'] },
        // 127.0.0.1 is a stranger here, so mx holds its greeting (the pregreet
        // check); keep that pause well under idleTimeout, or held connections
        // time out while the next ones are still waiting for their 220.
        pregreet: { wait: '100ms' },
        ...(await undeliverable()),
        limits: {
          messageSize: '20k',
          recipientsPerMessage: 3,
          errorsBeforeDisconnect: 5,
          idleTimeout: '3s',
          sessionTimeout: '10s',
          connectionsPerClient: 4,
        },
      },
    });
    port = b.ports.mx as number;
  });
  after(() => b?.stop());

  /**
   * A dialog in which every read got a reply or saw the close: a read that timed
   * out (the server hung) fails here, instead of vanishing from `replies()`.
   */
  async function talk(steps: readonly DialogStep[], opts: { source?: string } = {}): Promise<DialogEvent[]> {
    const ev = await dialog(port, steps, opts);
    const stuck = ev.filter((e) => e.timeout === true);
    assert.deepEqual(stuck, [], `no reply at step(s) ${stuck.map((e) => e.step).join(', ')}: ${JSON.stringify(ev)}`);
    return ev;
  }

  async function assertClean(): Promise<void> {
    assert.ok(b.alive(), `baton died:\n${b.logs()}`);
    assert.equal((await queueList(b)).length, queued, 'nothing half-stored');
  }

  test('an overlong command line gets 500 5.5.6 and its tail is not run as a command', async () => {
    const r = replies(await talk([...GREET_EHLO, ...cmds(`NOOP ${'x'.repeat(5000)}`), { send: 'NOOP\r\n' }, { read: true }]));
    assert.match(r[2] ?? '', /^500 5\.5\.6 /, r.join(' | '));
    // Either the session goes on (the next NOOP is answered 250) or it was closed cleanly;
    // no answer at all fails in talk(), and so does the idle limit's 421 4.4.2 (a server
    // that swallowed the NOOP and waited for more).
    assert.match(r[3] ?? '(none)', /^(250 |421 4\.7\.0 |\(closed\)$)/, r.join(' | '));
    await assertClean();
  });

  test('EHLO advertises SIZE and MAIL with SIZE= over the limit gets 552 5.3.4', async () => {
    const r = replies(await talk([...GREET_EHLO, ...cmds('MAIL FROM:<a@remote.test> SIZE=10000000', 'MAIL FROM:<a@remote.test> SIZE=100', 'QUIT')]));
    const size = /^250[ -]SIZE (\d+)$/m.exec(r[1] ?? '');
    assert.ok(size, `no SIZE in EHLO: ${r[1]}`);
    assert.ok(Number(size[1]) >= 20_000 && Number(size[1]) <= 20_480, `SIZE ${size[1]}`);
    assert.match(r[2] ?? '', /^552 5\.3\.4 /, r.join(' | '));
    assert.match(r[3] ?? '', /^250 /, 'a sane SIZE is accepted');
    await assertClean();
  });

  test('message data over the size limit gets 552 5.3.4 at the end of data and is not queued', async () => {
    const line = `${'z'.repeat(98)}\r\n`;
    const body = `Subject: big\r\n\r\n${line.repeat(300)}.\r\n`; // ~30 KB
    const r = replies(await talk([...GREET_EHLO, ...cmds('MAIL FROM:<a@remote.test>', 'RCPT TO:<user@local.test>', 'DATA'), { send: body }, { read: true }, ...cmds('NOOP', 'QUIT')]));
    assert.match(r[5] ?? '', /^552 5\.3\.4 /, r.join(' | '));
    assert.match(r[6] ?? '', /^250 /, 'the session goes on');
    await assertClean();
  });

  test('a message just under the size limit is accepted', async () => {
    const body = `Subject: fits\r\n\r\n${`${'y'.repeat(98)}\r\n`.repeat(150)}.\r\n`; // ~15 KB
    const r = replies(await talk([...GREET_EHLO, ...cmds('MAIL FROM:<a@remote.test>', 'RCPT TO:<user@local.test>', 'DATA'), { send: body }, { read: true }, ...cmds('QUIT')]));
    assert.ok(queuedId(r[5] ?? ''), r.join(' | '));
    queued++;
    await assertClean();
  });

  test('recipients beyond limits.recipientsPerMessage get 452 4.5.3 and the message keeps the first ones', async () => {
    const r = replies(await talk([
      ...GREET_EHLO,
      ...cmds('MAIL FROM:<a@remote.test>', 'RCPT TO:<r1@local.test>', 'RCPT TO:<r2@local.test>', 'RCPT TO:<r3@local.test>', 'RCPT TO:<r4@local.test>', 'DATA'),
      { send: 'Subject: many\r\n\r\nx\r\n.\r\n' }, { read: true }, ...cmds('QUIT'),
    ]));
    assert.deepEqual(r.slice(3, 6).map((x) => x.slice(0, 3)), ['250', '250', '250'], r.join(' | '));
    assert.match(r[6] ?? '', /^452 4\.5\.3 /);
    assert.match(r[7] ?? '', /^354 /);
    const id = queuedId(r[8] ?? '');
    assert.ok(id, r.join(' | '));
    queued++;
    const entry = (await queueList(b)).find((m) => m.id === id);
    assert.deepEqual(entry?.recipients.map((x) => x.address).sort(), ['r1@local.test', 'r2@local.test', 'r3@local.test']);
    await assertClean();
  });

  test('too many errors in one session get 421 4.7.0 and a close', async () => {
    const ev = await talk([...GREET_EHLO, ...cmds(...Array.from({ length: 8 }, (_, i) => `XYZZY${i}`)), { expect_close: 5 }]);
    const r = replies(ev);
    const idx = r.findIndex((x) => /^421 4\.7\.0 /.test(x));
    assert.ok(idx > 0, `no 421 4.7.0: ${r.join(' | ')}`);
    const errors = r.slice(2, idx).filter((x) => /^5\d\d /.test(x)).length;
    assert.ok(errors >= 1 && errors <= 5, `${errors} errors answered before the 421`);
    assert.ok(r.slice(idx + 1).every((x) => x === '(closed)'), `replies after 421: ${r.join(' | ')}`);
    assert.equal(ev.at(-1)?.closed, true, `closed after the 421: ${JSON.stringify(ev.at(-1))}`);
    await assertClean();
  });

  test('an idle client gets 421 4.4.2 after limits.idleTimeout and is disconnected', async () => {
    const started = Date.now();
    const ev = await talk([...GREET_EHLO, { read: true, timeout: 15 }, { expect_close: 5 }]);
    const elapsed = Date.now() - started;
    const r = replies(ev);
    assert.match(r[2] ?? '', /^421 4\.4\.2 /, r.join(' | '));
    assert.equal(ev.at(-1)?.closed, true, 'closed after the 421');
    assert.ok(elapsed >= 2500, `timed out after ${elapsed} ms, before the 3 s limit`);
    await assertClean();
  });

  test('a slow client that is never idle is cut off at limits.sessionTimeout (10 s) with 421 4.4.2, not before', async () => {
    // A NOOP every 500 ms keeps the client far from the 3 s idle limit. The cut can
    // come late on a loaded machine but never early: at least 10 s after the greeting,
    // and (a bound that only catches "never") within 40 s. Times count from before
    // the connect, so a slow greeting cannot make a correct cut look early.
    const startedAt = Date.now();
    const s = await openGreeted(port, '127.0.0.1');
    const lines: { at: number; line: string }[] = [];
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        lines.push({ at: Date.now() - startedAt, line: buf.slice(0, i) });
        buf = buf.slice(i + 2);
      }
    });
    s.on('error', () => undefined);
    const closed = new Promise<number>((res) => s.once('close', () => res(Date.now() - startedAt)));
    const timer = setInterval(() => {
      if (!s.destroyed) s.write('NOOP\r\n');
    }, 500);
    try {
      const closedAt = await Promise.race([closed, new Promise<number>((res) => setTimeout(() => res(-1), 40_000))]);
      const text = lines.map((l) => `${l.at}ms ${l.line}`).join(' | ');
      assert.ok(closedAt >= 0, `not cut off within 40 s: ${text}`);
      const cut = lines.findIndex((l) => /^421 4\.4\.2 /.test(l.line));
      assert.ok(cut >= 0, `no 421 4.4.2 before the close: ${text}`);
      assert.ok(lines.slice(0, cut).every((l) => /^250 /.test(l.line)), `every NOOP answered 250 until then: ${text}`);
      assert.ok(cut >= 1, `NOOPs were answered before the cut: ${text}`);
      assert.ok((lines[cut]?.at ?? 0) >= 9_900, `cut off ${lines[cut]?.at} ms after connecting, before the 10 s limit: ${text}`);
    } finally {
      clearInterval(timer);
      s.destroy();
    }
    await assertClean();
  });

  test('the connection limit per client IP answers 421 4.7.0, and other IPs are not affected', async () => {
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 4; i++) held.push(await openGreeted(port, '127.0.0.1'));
      const over = replies(await talk([{ read: true }, { expect_close: 5 }]));
      assert.match(over[0] ?? '', /^421 4\.7\.0 /, over.join(' | '));
      const other = replies(await talk([...GREET_EHLO, ...cmds('QUIT')], { source: '127.0.0.2' }));
      assert.match(other[0] ?? '', /^220 /, 'another client IP still gets in');
    } finally {
      for (const s of held) s.destroy();
    }
    // Slots are given back when clients leave (polled: the server sees the closes a little later).
    let again: string[] = [];
    await waitFor('a slot for 127.0.0.1 again', async () => {
      again = replies(await talk([...GREET_EHLO, ...cmds('QUIT')]));
      return /^220 /.test(again[0] ?? '');
    }, 20_000, 100).catch(() => undefined);
    assert.match(again[0] ?? '', /^220 /, again.join(' | '));
    await assertClean();
  });
});

/** A connection that has received its 220 greeting. */
function openGreeted(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress });
    const timer = setTimeout(() => reject(new Error('no greeting')), 10_000);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (/^220 .*\r\n/.test(buf)) {
        clearTimeout(timer);
        resolve(s);
      } else if (/^\d{3} .*\r\n/.test(buf)) {
        clearTimeout(timer);
        reject(new Error(`not greeted: ${buf}`));
      }
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
