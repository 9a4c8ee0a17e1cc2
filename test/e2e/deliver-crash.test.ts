import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { queueList, startBaton, type Baton } from '../helpers/baton.js';
import { pythonDir, runCommand } from '../helpers/clients.js';
import { waitFor, waitForEmptyQueue } from '../helpers/deliver-kit.js';
import { freePorts } from '../helpers/free-port.js';
import { startSmtpSink, type SmtpSinkHandle } from '../helpers/smtp-sink.js';

/**
 * Crashes and stops during a delivery burst (issue 3): after kill -9 every
 * message is still delivered once the leases of the dead process end; after
 * SIGTERM the process exits promptly and hands its work back at once. The
 * receiver is Postfix's smtp-sink, slowed down with `-w 1` (one second before
 * each DATA reply) so the burst is still going when the signal arrives. It starts
 * only once the whole burst is queued (until then every attempt is refused and
 * deferred), so how long queueing takes on a loaded machine cannot let the
 * deliveries finish before the signal.
 */

/** Queue `conns × perConn` tagged messages with burst.py (test/e2e/python); returns the accepted tags. */
async function burst(b: Baton, conns: number, perConn: number, rcpt: string): Promise<Set<string>> {
  const r = await runCommand('python3', ['-u', join(pythonDir, 'burst.py'), '127.0.0.1', String(b.ports.mx), String(conns), String(perConn), rcpt], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const accepted = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const ev = JSON.parse(line) as { event: string; tag?: string; code?: number };
    if (ev.event === 'reply' && ev.code === 250 && ev.tag) accepted.add(ev.tag);
  }
  return accepted;
}

/** Tags of complete messages at the sink, with how often each arrived. burst.py's last body line is TAG-39-... */
async function arrivedTags(sink: SmtpSinkHandle): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const m of await sink.messages()) {
    const tag = /^X-Tag: (\S+)$/m.exec(m.data)?.[1];
    if (!tag || !m.data.includes(`\n${tag}-39-`)) continue; // a dump cut short is not a delivery
    counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  return counts;
}

function config(sinkPort: number, leaseTime: string): Record<string, unknown> {
  return {
    listeners: [{ role: 'mx' }],
    routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sinkPort}`, tls: 'none' }],
    queue: { retry: { first: '1s', max: '2s' } },
    delivery: { leaseTime, siteBackoff: '0s', maxConnectionsPerSite: 20, connectionIdle: '1s' },
    log: { level: 'info' },
  };
}

describe('delivery across crashes and stops', { timeout: 150_000 }, () => {
  test('kill -9 in the middle of delivering 200 messages: after restart every message arrives, the queue empties', async (t) => {
    const [sinkPort] = (await freePorts(1)) as [number];
    const b = await startBaton({ config: config(sinkPort, '10s') });
    let sink: SmtpSinkHandle | undefined;
    try {
      const accepted = await burst(b, 20, 10, 'user@remote.test');
      assert.equal(accepted.size, 200, 'all 200 accepted');
      const live = await startSmtpSink({ port: sinkPort, args: ['-w', '1'] });
      sink = live;
      // Kill once some messages are through and most are not (20 connections, 1 s per message).
      await waitFor('30 messages at the sink', async () => ((await arrivedTags(live)).size >= 30 ? true : undefined), 30_000, 50);
      await b.kill9();
      const atKill = await arrivedTags(live);
      assert.ok(atKill.size < 200, `still mid-delivery at the kill (${atKill.size} delivered)`);

      const restartedAt = Date.now();
      await b.restart();
      // Recipients leased to the dead process come back after leaseTime (10 s).
      const final = await waitFor('every accepted message at the sink', async () => {
        const got = await arrivedTags(live);
        return [...accepted].every((t) => got.has(t)) ? got : undefined;
      }, 60_000, 500);
      const dups = [...final.values()].reduce((n, c) => n + c - 1, 0);
      assert.ok(dups <= 20, `at most one duplicate per in-flight connection: ${dups} duplicates`);
      // The restarted process takes over the dead one's leases at once (same host, pid gone);
      // a claim by a node on another host would wait out leaseTime instead.
      assert.match(b.logs(), /took over the leases of dead processes/);
      t.diagnostic(`delivered before kill: ${atKill.size}, duplicates: ${dups}, all delivered ${Date.now() - restartedAt} ms after restart`);
      await waitForEmptyQueue(b, 20_000);
    } finally {
      try {
        await b.stop();
      } finally {
        await sink?.stop();
      }
    }
  });

  test('SIGTERM during deliveries: exits within seconds, loses nothing, and the rest goes out at once after restart', async (t) => {
    const [sinkPort] = (await freePorts(1)) as [number];
    // A long lease: claims the stopped process kept would hold mail back for 60 s (or show up as a take-over).
    const b = await startBaton({ config: config(sinkPort, '60s') });
    let sink: SmtpSinkHandle | undefined;
    try {
      const accepted = await burst(b, 10, 10, 'user@remote.test');
      assert.equal(accepted.size, 100);
      const live = await startSmtpSink({ port: sinkPort, args: ['-w', '1'] });
      sink = live;
      // Stop while deliveries are under way: some arrived, more are in flight.
      await waitFor('5 messages at the sink', async () => ((await arrivedTags(live)).size >= 5 ? true : undefined), 30_000, 50);
      const started = Date.now();
      const code = await b.stop();
      const took = Date.now() - started;
      // In-flight sends finish (each waits at most the sink's 1 s) and the rest is handed
      // back. A stop that hangs is cut by the helper's SIGKILL at 10 s: exit code 128.
      assert.equal(code, 0, `clean exit within 10 s (took ${took} ms):\n${b.logs().slice(-2000)}`);

      const delivered = await arrivedTags(live);
      assert.ok(delivered.size < 100, `the stop came mid-delivery (${delivered.size} delivered)`);
      // Nothing lost: every accepted message is delivered or still queued with a pending recipient.
      const queued = await queueList(b);
      const queuedPending = queued.filter((e) => e.recipients.some((r) => r.status === 'pending')).length;
      assert.ok(delivered.size + queuedPending >= 100, `${delivered.size} delivered + ${queuedPending} pending of 100`);

      const restartedAt = Date.now();
      await b.restart();
      await waitFor('every accepted message at the sink', async () => {
        const got = await arrivedTags(live);
        return [...accepted].every((t) => got.has(t)) ? got : undefined;
      }, 30_000, 250);
      assert.doesNotMatch(b.logs(), /took over the leases/, 'the stopped process handed back all its claims itself');
      t.diagnostic(`stopped in ${took} ms with ${delivered.size}/100 delivered; the rest ${Date.now() - restartedAt} ms after restart`);
      await waitForEmptyQueue(b, 20_000);
    } finally {
      try {
        await b.stop();
      } finally {
        await sink?.stop();
      }
    }
  });
});
