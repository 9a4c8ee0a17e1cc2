import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { batonBin, canConnect, startBaton } from '../helpers/baton.js';
import { sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { startScriptedSink } from '../helpers/scripted-sink.js';

/**
 * A node restarted right after a kill -9 takes over its dead predecessor's
 * leases at once (the seams issue's core fixes). The dead process is left a
 * zombie here, as it is when its parent has not reaped it yet: kill(pid, 0)
 * still succeeds for a zombie, so a PID check alone waited out the lease.
 */

/** Start `baton start` as the child of a parent that never reaps it; resolves with baton's PID. */
function startUnreaped(configFile: string): Promise<{ pid: number; stop: () => void }> {
  const parent = spawn('python3', ['-c', 'import subprocess, sys, time\np = subprocess.Popen(sys.argv[1:])\nprint(p.pid, flush=True)\ntime.sleep(600)', process.execPath, batonBin, 'start', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    parent.stdout.once('data', (d: Buffer) => resolve({ pid: Number(d.toString().trim()), stop: () => parent.kill('SIGKILL') }));
    parent.once('error', reject);
  });
}

function processState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?';
  } catch {
    return 'gone';
  }
}

describe('lease take-over after kill -9', { timeout: 90_000 }, () => {
  test('a restarted node delivers the mail its zombie predecessor held, without waiting out the 10-minute lease', async () => {
    let transactions = 0;
    // The first transaction is held for ever (the dead node was mid-delivery); later ones go through.
    const sink = await startScriptedSink({ hold: (e) => e.command === 'DOT' && ++transactions === 1 });
    const config = {
      listeners: [{ role: 'mx' as const }],
      routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
      delivery: { leaseTime: '10m', siteBackoff: '0s' },
    };
    // startBaton makes the data directory and config; it is stopped and the same config started unreaped.
    const b = await startBaton({ config });
    await b.stop();
    const first = await startUnreaped(b.configFile);
    try {
      const port = b.ports.mx as number;
      await waitFor('the unreaped node to listen', () => canConnect('127.0.0.1', port));
      const msg = testMessage('s@client.test', 'u@remote.test', 'held by the dead node');
      await sendVia(port, 's@client.test', ['u@remote.test'], msg.text);
      await waitFor('the first node mid-delivery', () => sink.held() === 1);
      process.kill(first.pid, 'SIGKILL');
      await waitFor('the killed node to be a zombie', () => processState(first.pid) === 'Z');

      await b.restart();
      // The dead node's session got the data too (its answer was held): the new node's is a second one.
      await waitFor('the message delivered again, by the new node', () =>
        sink.sessions.filter((s) => s.messages.some((m) => m.data.includes(msg.messageId))).length >= 2,
      30_000);
      assert.match(b.logs(), /took over the leases of dead processes/);
    } finally {
      first.stop();
      await b.stop();
      await sink.stop();
    }
  });
});
