import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startBaton } from '../helpers/baton.js';
import { sendVia, testMessage, waitFor, waitForEmptyQueue } from '../helpers/deliver-kit.js';
import { startScriptedSink } from '../helpers/scripted-sink.js';

/**
 * `delivery.siteBackoff` (issue 16; every other test turns it off): after a
 * destination fails at connection level, the rest of its queued mail is
 * deferred with the same reason, without connecting, until the back-off has
 * passed; then it is delivered. The peer is a scripted sink (the smarthost for
 * every domain) that holds the first greeting until the test releases it as a
 * 421, so two more messages are certainly queued for the destination by then.
 */

const sender = 'sender@local.test';

/** Pino JSON log lines about one queue id. */
function logLines(logs: string, queueId: string): Record<string, unknown>[] {
  return logs
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes(queueId))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('delivery.siteBackoff', { timeout: 90_000 }, () => {
  test('after a 421 greeting the destination\'s other mail is deferred without a connection until the 2 s back-off has passed, then all of it is delivered', async () => {
    const backoffMs = 2000;
    let connects = 0;
    const sink = await startScriptedSink({ hold: (e) => e.command === 'CONNECT' && ++connects === 1 });
    const b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
        // One connection at a time: the later messages wait behind the first attempt.
        delivery: { siteBackoff: `${backoffMs}ms`, maxConnectionsPerSite: 1 },
        queue: { retry: { first: '1s', max: '1s', jitter: 0 } },
      },
    });
    try {
      const port = b.ports.mx as number;
      const msgs = [0, 1, 2].map((i) => testMessage(sender, `user${i}@remote.test`, `back-off ${i}`));
      const first = await sendVia(port, sender, ['user0@remote.test'], msgs[0]?.text ?? '');
      await waitFor('the first connection, greeting held', () => sink.held() === 1, 10_000, 20);
      const others = [
        await sendVia(port, sender, ['user1@remote.test'], msgs[1]?.text ?? ''),
        await sendVia(port, sender, ['user2@remote.test'], msgs[2]?.text ?? ''),
      ];
      const failedAt = Date.now();
      assert.equal(sink.release(1, '421 4.3.2 Service busy, come back later'), 1);

      // The event: every message arrives, after the back-off.
      const arrived = (id: string) => sink.sessions.some((s) => s.messages.some((m) => m.data.includes(id)));
      await waitFor('all three messages at the peer', () => msgs.every((m) => arrived(m.messageId)), 20_000);
      await waitForEmptyQueue(b);

      const early = sink.sessions.filter((s) => s.connectedAt < failedAt + backoffMs);
      assert.equal(early.length, 1, `connections during the back-off: ${sink.sessions.map((s) => s.connectedAt - failedAt).join(', ')} ms after the 421`);
      assert.equal(early[0]?.messages.length, 0, 'the first connection carried nothing');
      for (const id of others) {
        const lines = logLines(b.logs(), id);
        const deferred = lines.find((l) => l.status === 'deferred');
        assert.ok(deferred, `${id} was deferred first: ${JSON.stringify(lines)}`);
        assert.match(String(deferred.reply), /^421 4\.3\.2 /, 'deferred with the destination\'s failure as the reason');
        assert.equal(deferred.attempts, 1);
        assert.ok(lines.some((l) => l.status === 'sent'), `${id} was sent at last`);
      }
      assert.ok(logLines(b.logs(), first).some((l) => l.status === 'sent'));
    } finally {
      sink.release();
      await b.stop();
      await sink.stop();
    }
  });
});
