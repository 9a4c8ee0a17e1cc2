import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { pySend, swaks } from '../helpers/clients.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { logEntries, ReplyClient } from '../helpers/reply-client.js';

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');

/**
 * Password guessing against SMTP AUTH (issue 10, the auth-failures check):
 * each failure makes the next 535 slower, the guessing IP is then refused
 * with 454 4.7.0 (even the right password), then 421 and closed; the block is
 * an `auth-blocked` event. The same user still logs in from another IP
 * (swaks, Python's smtplib).
 */
describe('failed AUTH on submission', { timeout: 120_000 }, () => {
  let b: Baton;
  let port: number;
  const password = 'Correct-Horse-9';

  before(async () => {
    b = await startBaton({
      config: {
        // AUTH without TLS for loopback clients, so a raw socket can time each reply.
        listeners: [{ role: 'submission', allowPlaintextAuth: true }],
        relay: { trustedNetworks: ['192.0.2.1/32'] },
        // A 1-day window: the counters' sliding-window estimate (rate-counters.ts) weighs
        // the previous bucket down once a bucket boundary passes, and with the default 15m
        // one passes every quarter hour; the tarpit delays below assume whole counts.
        authFailures: { window: '1d', delay: '1s', maxDelay: '4s', userFailures: 3, ipFailures: 10, closeAfter: 2 },
        ...(await undeliverable()),
      },
    });
    port = b.ports.submission as number;
    const r = await b.cli(['user', 'add', 'alice', '--domains', 'sender.test'], { input: `${password}\n` });
    assert.equal(r.code, 0, `user add failed: ${r.stdout}${r.stderr}`);
  });
  after(() => b?.stop());

  test('wrong passwords get 535 with growing delays, then 454 4.7.0 even for the right one, then 421 and close; another IP still logs in', async () => {
    const c = new ReplyClient(port, '127.0.0.7');
    try {
      assert.equal((await c.next()).code, 220);
      c.send('EHLO guesser.test');
      assert.equal((await c.next()).code, 250);
      const took: number[] = [];
      for (let i = 0; i < 3; i++) {
        const sent = Date.now();
        c.send(`AUTH PLAIN ${plain('alice', `guess-${i}`)}`);
        const r = await c.next(30_000);
        assert.match(r.text, /^535 5\.7\.8 /, `failure ${i + 1}`);
        took.push(r.at - sent);
      }
      // Lower bounds only (timers never fire early): the fixed 1 s of every
      // failure, plus the tarpit: none, 1 s, 2 s.
      assert.ok(took[0]! >= 990 && took[1]! >= 1990 && took[2]! >= 2990, `535s after ${took.join(', ')} ms`);

      c.send(`AUTH PLAIN ${plain('alice', password)}`);
      assert.equal((await c.next()).text, '454 4.7.0 Too many failed logins; try again later', 'blocked: the right password is refused too');
      c.send(`AUTH PLAIN ${plain('alice', password)}`);
      assert.equal((await c.next()).text, '421 4.7.0 Too many failed logins; closing connection');
      await c.closed();
    } finally {
      c.destroy();
    }

    const blocked = await waitFor('the auth-blocked event', () => {
      const found = logEntries(b.logs(), { msg: 'auth blocked', client: '127.0.0.7' });
      return found.length > 0 && found;
    });
    assert.deepEqual(blocked.map((e) => [e['scope'], e['user'], e['failures']]), [['user', 'alice', 3]]);
    await waitFor('the rejected events', () => logEntries(b.logs(), { msg: 'rejected', check: 'auth-failures', client: '127.0.0.7', stage: 'auth' }).length === 2);

    // The same user from another address: not blocked by 127.0.0.7's failures.
    const ok = await swaks(port, ['--local-interface', '127.0.0.8', '--auth', 'PLAIN', '--auth-user', 'alice', '--auth-password', password, '--from', 'alice@sender.test', '--to', 'bob@local.invalid', '--quit-after', 'AUTH']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^<- +235 2\.7\.0 /m, ok.stdout);
    // And 127.0.0.7 stays blocked in a new session (smtplib).
    const again = await pySend({ port, source: '127.0.0.7', auth: { user: 'alice', password, mech: 'PLAIN' }, mail_from: '', rcpts: [], stop_after: 'auth' });
    assert.ok(again.auth?.[0] === 421 || again.disconnected !== undefined, `still blocked: ${JSON.stringify(again)}`);
  });
});
