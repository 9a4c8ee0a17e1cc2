import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startBaton, undeliverable, type Baton } from '../helpers/baton.js';

/**
 * Drip clients (the seams issue's core fixes): each byte resets the idle
 * timer, so a deadline per command line and a minimum rate for message
 * content (Postfix smtpd_per_record_deadline, smtpd_min_data_rate) must cut
 * them off. The client drips one byte every 100 ms, a pace the idle timeout
 * never sees, for at most `MAX_BYTES` bytes: a server without the deadlines
 * keeps the session and the test fails on the count, not on a clock.
 */
const MAX_BYTES = 300;
const TOO_SLOW = /^421 4\.4\.2 Command or message data too slow/m;

interface Drip {
  readonly received: string;
  readonly dripped: number;
  readonly closedByServer: boolean;
}

/**
 * Connect; after the n-th complete reply send `say[n - 1]` (the greeting is the
 * first); once `dripAfter` replies have come, drip `drip` one byte at a time
 * until the server closes or MAX_BYTES went out.
 */
function dripClient(port: number, say: readonly string[], dripAfter: number, drip: string): Promise<Drip> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let received = '';
    let said = 0;
    let dripped = 0;
    let timer: NodeJS.Timeout | undefined;
    s.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      const replies = received.split('\r\n').filter((l) => /^\d{3} /.test(l)).length;
      while (said < say.length && said < replies) s.write(say[said++] as string);
      if (timer !== undefined || replies < dripAfter) return;
      timer = setInterval(() => {
        if (dripped >= MAX_BYTES) {
          clearInterval(timer);
          s.destroy();
          return;
        }
        s.write(drip[dripped % drip.length] as string);
        dripped++;
      }, 100);
    });
    s.on('error', (err) => (dripped > 0 ? undefined : reject(err)));
    s.on('close', () => {
      clearInterval(timer);
      resolve({ received, dripped, closedByServer: dripped < MAX_BYTES });
    });
  });
}

describe('clients that drip', { timeout: 120_000 }, () => {
  let b: Baton;
  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        // The idle timeout never fires for a 100 ms drip; the deadlines must.
        limits: { idleTimeout: '10s', commandTimeout: '2s', minDataRate: 1000 },
        ...(await undeliverable()),
      },
    });
  });
  after(() => b?.stop());

  test('a command line dripped one byte at a time gets 421 4.4.2 once limits.commandTimeout has passed since its first byte', async () => {
    const r = await dripClient(b.ports.mx as number, [], 1, `EHLO ${'x'.repeat(1000)}`);
    assert.ok(r.closedByServer, `the server kept a drip client for ${r.dripped} bytes`);
    assert.match(r.received, TOO_SLOW, r.received);
    assert.ok(b.alive());
  });

  test('message content below limits.minDataRate gets 421 4.4.2, and nothing is queued', async () => {
    const say = ['EHLO client.test\r\n', 'MAIL FROM:<s@remote.test>\r\nRCPT TO:<u@local.test>\r\nDATA\r\n'];
    // Greeting, EHLO, MAIL, RCPT, then the 354: the content starts.
    const r = await dripClient(b.ports.mx as number, say, 5, 'Subject: slow\r\n\r\nbody\r\n');
    assert.ok(r.closedByServer, `the server kept a drip client for ${r.dripped} bytes`);
    assert.match(r.received, /^354 /m, 'the content had started');
    assert.match(r.received, TOO_SLOW, r.received);
    assert.doesNotMatch(r.received, /queued as/);
  });

  test('commands at a normal pace after a pause are not cut off: the deadline runs per line, from its first byte', async () => {
    const got = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: b.ports.mx as number });
      let text = '';
      let step = 0;
      s.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        // Each command waits for the previous reply, then 1 s more: longer in all than commandTimeout.
        const lines = text.split('\r\n').filter((l) => /^\d{3} /.test(l)).length;
        if (lines > step) {
          step = lines;
          const next = ['EHLO client.test\r\n', 'NOOP\r\n', 'NOOP\r\n', 'QUIT\r\n'][step - 1];
          if (next) setTimeout(() => s.write(next), 1000);
        }
      });
      s.on('error', reject);
      s.on('close', () => resolve(text));
    });
    assert.doesNotMatch(got, TOO_SLOW, got);
    assert.match(got, /^221 /m, got);
  });
});
