import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queueList, queuedId, startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { cmds, dialog, pySend, replies, swaks } from '../helpers/clients.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { logEntries } from '../helpers/reply-client.js';

/**
 * Rate limits on mx (issue 10: the connection-rate, message-rate and
 * recipient-rate checks), against real clients: Python's socket dialogs and
 * smtplib, and swaks. Each test speaks from its own loopback address (the
 * whole 127/8 is loopback) so that counts do not mix; the /24 test comes last
 * because it spends the whole 127.0.0.0/24 budget.
 */
describe('rate limits per client IP and per /24 on mx', { timeout: 180_000 }, () => {
  let b: Baton;
  let port: number;

  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        // No loopback address is trusted: every client here is a stranger.
        relay: { trustedNetworks: ['192.0.2.1/32'] },
        rateLimits: {
          client: { connections: '3/min', messages: '2/min', recipients: '3/min' },
          prefix: { connections: '25/min', messages: 'off', recipients: 'off' },
        },
        pregreet: { wait: '100ms' },
        ...(await undeliverable()),
      },
    });
    port = b.ports.mx as number;
  });
  after(() => b?.stop());

  /** The rejected events (log lines) of one check for one client, waited for. */
  function rejectedBy(check: string, client: string, n = 1) {
    return waitFor(`${n} rejected event(s) by ${check} for ${client}`, () => {
      const found = logEntries(b.logs(), { msg: 'rejected', check, client });
      return found.length >= n && found;
    });
  }

  test('the 4th connection in a minute from one IP gets 421 4.7.0 naming it and is closed, while another IP is served (swaks)', async () => {
    for (let i = 0; i < 3; i++) {
      const r = replies(await dialog(port, [{ read: true }, ...cmds('QUIT')], { source: '127.0.0.3' }));
      assert.match(r[0] ?? '', /^220 /, `connection ${i + 1}: ${r.join(' | ')}`);
    }
    const ev = await dialog(port, [{ read: true }, { expect_close: 10 }], { source: '127.0.0.3' });
    const r = replies(ev);
    assert.equal(r[0], '421 4.7.0 Too many connections from 127.0.0.3 in the last minute; try again later', r.join(' | '));
    assert.equal(ev.at(-1)?.closed, true, 'closed after the 421');
    const [event] = await rejectedBy('connection-rate', '127.0.0.3');
    assert.equal(event?.['stage'], 'connect');

    const other = await swaks(port, ['--local-interface', '127.0.0.4', '--from', 'a@remote.test', '--to', 'user@local.test', '--h-Subject', 'still served']);
    assert.equal(other.code, 0, other.stdout + other.stderr);
    const id = queuedId(/(250 2\.0\.0 OK: queued as \S+)/.exec(other.stdout)?.[1] ?? '');
    assert.ok(id, other.stdout);
    assert.ok((await queueList(b)).some((m) => m.id === id), 'the other IP\'s message is queued');
  });

  test('recipients past the rate get 450 4.7.1 at RCPT; the message goes on with the first ones (smtplib)', async () => {
    const rcpts = ['r1', 'r2', 'r3', 'r4', 'r5'].map((l) => ({ to: `${l}@local.test` }));
    const r = await pySend({ port, source: '127.0.0.5', mail_from: 'a@remote.test', rcpts, data: 'Subject: rates\r\n\r\nhello\r\n' });
    assert.deepEqual(r.rcpts?.map((x) => x[0]), [250, 250, 250, 450, 450], JSON.stringify(r));
    assert.equal(r.rcpts?.[3]?.[1], '4.7.1 Too many recipients from 127.0.0.5 in the last minute; try again later');
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    const id = queuedId(`250 ${r.data?.[1] ?? ''}`);
    const entry = (await queueList(b)).find((m) => m.id === id);
    assert.deepEqual(entry?.recipients.map((x) => x.address).sort(), ['r1@local.test', 'r2@local.test', 'r3@local.test']);
    const events = await rejectedBy('recipient-rate', '127.0.0.5', 2);
    assert.deepEqual(events.map((e) => e['rcpt']).sort(), ['r4@local.test', 'r5@local.test']);
  });

  test('the 3rd MAIL in a minute gets 421 4.7.0 and the session is closed', async () => {
    const ev = await dialog(
      port,
      [{ read: true }, ...cmds('EHLO client.test', 'MAIL FROM:<a@remote.test>', 'RSET', 'MAIL FROM:<a@remote.test>', 'RSET', 'MAIL FROM:<a@remote.test>'), { expect_close: 10 }],
      { source: '127.0.0.6' },
    );
    const r = replies(ev);
    assert.deepEqual(r.slice(2, 6).map((x) => x.slice(0, 3)), ['250', '250', '250', '250'], r.join(' | '));
    assert.equal(r[6], '421 4.7.0 Too many messages from 127.0.0.6 in the last minute; try again later', r.join(' | '));
    assert.equal(ev.at(-1)?.closed, true, 'closed after the 421');
    await rejectedBy('message-rate', '127.0.0.6');
  });

  test('connections from many addresses of one /24 add up: past its limit a new address gets 421 4.7.0 naming 127.0.0.0/24', async () => {
    // Each address connects once (under its own limit of 3); the /24 has room for 25
    // in a minute, some of them spent above. Bounded: 30 addresses at most.
    let refused: string | undefined;
    let served = 0;
    for (let i = 20; i < 50 && refused === undefined; i++) {
      const r = replies(await dialog(port, [{ read: true }, ...cmds('QUIT')], { source: `127.0.0.${i}` }));
      if (/^220 /.test(r[0] ?? '')) served++;
      else refused = r[0];
    }
    assert.equal(refused, '421 4.7.0 Too many connections from 127.0.0.0/24 in the last minute; try again later', `served ${served} before`);
    // More addresses were served than one address may connect (3), fewer than the /24 may (25,
    // less what the earlier tests spent, as far as it is still inside the sliding minute).
    assert.ok(served > 3 && served <= 25, `${served} new addresses were served before the /24 was full`);
  });
});
