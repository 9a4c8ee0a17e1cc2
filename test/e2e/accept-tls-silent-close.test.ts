import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { dialog, replies } from '../helpers/clients.js';
import { waitFor } from '../helpers/deliver-kit.js';

/**
 * A client that opens a connection to the implicit-TLS port (submissions, RFC 8314
 * §3) and closes it without ever sending a ClientHello must give its slot back at
 * once. Before the fix, the greeting queued behind the handshake kept the server's
 * socket in CLOSE-WAIT until `limits.idleTimeout` (5 min): a loop of connect-and-close
 * filled `limits.connectionsPerClient` and `limits.maxConnections` with dead sockets (found by bench/stress.mjs).
 * Real peers: Node's TCP client (silent on the TLS port), Python's socket client
 * (dialog.py) on the mx port.
 */
describe('implicit TLS: a client that leaves before the handshake frees its slot at once', { timeout: 60_000 }, () => {
  let b: Baton;

  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }, { role: 'submissions' }],
        localDomains: ['local.test'],
        // The client plays a stranger from 127.0.0.7, so that its connections (and no
        // readiness probe's) count against connectionsPerClient. The idle timeout is far
        // longer than the test's waits, so only the fix can free the slots.
        relay: { trustedNetworks: ['127.0.0.1/32'] },
        limits: { connectionsPerClient: 2, idleTimeout: '5m' },
        ...(await undeliverable()),
      },
    });
  });
  after(() => b?.stop());

  test('two silent connections to submissions fill connectionsPerClient; once the client closes them, its next connection is greeted', async () => {
    const mx = b.ports.mx as number;
    const tlsPort = b.ports.submissions as number;
    const silent: Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) silent.push(await openSilent(tlsPort));
      // Both held: a third connection from the same address is refused.
      await waitFor('the two silent connections to fill connectionsPerClient (421 on mx)', async () => /^421 4\.7\.0 /.test(await greeting(mx)));

      // FIN, never a ClientHello. (Not waiting for the server's FIN: without the fix it never comes.)
      for (const s of silent) s.end();
      const after = await waitFor('a new mx client to be greeted', async () => {
        const g = await greeting(mx);
        return /^220 /.test(g) ? g : undefined;
      }, 15_000, 200);
      assert.match(after, /^220 /);
    } finally {
      for (const s of silent) s.destroy();
    }
    assert.ok(b.alive(), b.logs());
  });
});

const SOURCE = '127.0.0.7';

/** A TCP connection that sends nothing. */
function openSilent(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: SOURCE }, () => resolve(s));
    s.on('error', reject);
  });
}

/** The first reply to a new connection (Python's socket client). */
async function greeting(port: number): Promise<string> {
  const ev = await dialog(port, [{ read: true }, { send: 'QUIT\r\n' }, { read: true }], { source: SOURCE });
  return replies(ev)[0] ?? '';
}
