import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startBaton, type Baton } from '../helpers/baton.js';
import { entryOf, waitForAttempt, parseDsn, sendVia, testMessage, unfold, waitFor, waitForMaildir } from '../helpers/deliver-kit.js';
import { startScriptedSink, type ScriptedSink, type ScriptedSinkOptions } from '../helpers/scripted-sink.js';

/**
 * Retries, expiry and the queue commands that cut a wait short (issue 3). Each
 * test has its own Baton and scripted peer; they run side by side because the
 * expiry test waits out a 12-second lifetime.
 */

const sender = 'sender@local.test';

interface Rig {
  readonly b: Baton;
  readonly sink: ScriptedSink;
  readonly port: number;
  close(): Promise<void>;
}

async function rig(sinkOptions: ScriptedSinkOptions, extra: Record<string, unknown>): Promise<Rig> {
  const sink = await startScriptedSink(sinkOptions);
  const b = await startBaton({
    config: {
      listeners: [{ role: 'mx' }],
      localDomains: ['local.test'],
      local: { maildir: 'mail/{domain}/{user}' },
      routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
      ...extra,
    },
  });
  return {
    b,
    sink,
    port: b.ports.mx as number,
    async close() {
      try {
        await b.stop();
      } finally {
        await sink.stop();
      }
    },
  };
}

const delivered = (sink: ScriptedSink, messageId: string) => sink.sessions.flatMap((s) => s.messages).find((m) => m.data.includes(messageId));

/** Pino JSON log lines about one queue id. */
function logLines(b: Baton, queueId: string): Record<string, unknown>[] {
  return b
    .logs()
    .split('\n')
    .filter((l) => l.includes(queueId) && l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('retries, expiry and queue commands', { timeout: 150_000, concurrency: true }, () => {
  test('451 at RCPT until the queue has shown the deferral, then 250: delivered by a scheduled retry, not before retry.first', async () => {
    // The peer refuses with 451 until the test has seen the deferral in the queue
    // (however slow the CLI is on a loaded machine), then accepts: no time window.
    let open = false;
    const rcptAt: number[] = [];
    const r = await rig(
      {
        reply: (e) => {
          if (e.command !== 'RCPT') return undefined;
          rcptAt.push(Date.now());
          return open ? undefined : '451 4.3.0 Try again later';
        },
      },
      { queue: { retry: { first: '2s', max: '2s', jitter: 0 } }, delivery: { siteBackoff: '0s' } },
    );
    try {
      const msg = testMessage(sender, 'user@remote.test', 'retry then success');
      const id = await sendVia(r.port, sender, ['user@remote.test'], msg.text);
      const rcpt = await waitForAttempt(r.b, id, { attempts: 1, timeoutMs: 20_000, intervalMs: 100 });
      assert.equal(rcpt.status, 'pending');
      assert.match(String(rcpt.raw.lastReply), /^451 4\.3\.0/);
      assert.ok(Date.parse(String(rcpt.raw.nextAttemptAt)) > Date.parse(String(rcpt.raw.updatedAt)), 'a next attempt is scheduled');
      assert.equal(delivered(r.sink, msg.messageId), undefined, 'not delivered yet');
      open = true;
      const m = await waitFor('the retry to deliver', () => delivered(r.sink, msg.messageId), 20_000);
      assert.deepEqual(m.recipients, ['user@remote.test']);
      await waitFor(`${id} to leave the queue`, async () => (await entryOf(r.b, id)) === undefined, 10_000);
      const sent = logLines(r.b, id).find((l) => l.status === 'sent');
      assert.equal(sent?.attempts, rcptAt.length, `log says sent on the attempt that got 250 (${rcptAt.length} RCPT commands): ${JSON.stringify(sent)}`);
      assert.ok(rcptAt.length >= 2, 'refused, then accepted');
      // Attempts follow the retry schedule: never sooner than retry.first (2 s) after the last.
      const gaps = rcptAt.slice(1).map((t, i) => t - (rcptAt[i] as number));
      assert.ok(gaps.every((g) => g >= 1900), `gaps between attempts: ${gaps.join(', ')} ms`);
    } finally {
      await r.close();
    }
  });

  test('421 at the greeting, then a normal session: delivered on the retry', async () => {
    let connects = 0;
    const r = await rig(
      { reply: (e) => (e.command === 'CONNECT' && ++connects === 1 ? '421 4.3.2 Too busy, come back later' : undefined) },
      { queue: { retry: { first: '1s', jitter: 0 } }, delivery: { siteBackoff: '0s' } },
    );
    try {
      const msg = testMessage(sender, 'user@remote.test', '421 then success');
      const id = await sendVia(r.port, sender, ['user@remote.test'], msg.text);
      await waitFor('the retry to deliver', () => delivered(r.sink, msg.messageId), 15_000);
      assert.ok(connects >= 2, `connected ${connects} times`);
      const afterGreeting = r.sink.sessions[0]?.commands ?? [];
      assert.ok(afterGreeting.every((c) => /^QUIT$/i.test(c)), `nothing but QUIT after the 421: ${JSON.stringify(afterGreeting)}`);
      await waitFor(`${id} to leave the queue`, async () => (await entryOf(r.b, id)) === undefined, 10_000);
      const attempts = logLines(r.b, id).filter((l) => l.msg === 'delivery deferred' || l.status === 'deferred').length;
      assert.ok(attempts >= 1, 'the 421 was logged as a deferral');
    } finally {
      await r.close();
    }
  });

  test('a recipient that keeps getting 451 expires at the end of its lifetime: DSN with Action failed, Status 4.x.x', async () => {
    // A 12 s lifetime with retries every 1-2 s: several attempts, then expiry.
    const r = await rig(
      { reply: (e) => (e.command === 'RCPT' ? '451 4.2.0 Mailbox temporarily unavailable' : undefined) },
      { queue: { lifetime: '12s', retry: { first: '1s', max: '2s', jitter: 0 } }, delivery: { siteBackoff: '0s' } },
    );
    try {
      const msg = testMessage(sender, 'late@remote.test', 'expiry');
      const id = await sendVia(r.port, sender, ['late@remote.test'], msg.text);
      const files = await waitForMaildir(join(r.b.dir, 'mail', 'local.test', 'sender'), 1, 45_000);
      assert.equal(files.length, 1);
      const dsn = await parseDsn(files[0]?.text ?? '');
      assert.equal(dsn.contentType, 'multipart/report');
      assert.equal(dsn.reportType, 'delivery-status');
      assert.equal(dsn.partTypes[1], 'message/delivery-status');
      assert.equal(dsn.returnedMessageId, msg.messageId);
      assert.equal(dsn.recipients.length, 1);
      const x = dsn.recipients[0] ?? {};
      assert.match(unfold(x['final-recipient']), /^rfc822; ?late@remote\.test$/);
      assert.equal(unfold(x.action), 'failed');
      assert.match(unfold(x.status), /^4\.\d{1,3}\.\d{1,3}$/, 'a temporary status: it expired, it was not refused');
      assert.match(unfold(x['diagnostic-code']), /^smtp; ?451 4\.2\.0/);
      assert.match(unfold(x['remote-mta']), /^dns; ?127\.0\.0\.1$/);
      await waitFor(`${id} to leave the queue`, async () => (await entryOf(r.b, id)) === undefined, 10_000);
      const rcptCommands = r.sink.sessions.flatMap((s) => s.commands).filter((c) => /^RCPT /i.test(c)).length;
      assert.ok(rcptCommands >= 5, `retried several times before expiring (${rcptCommands} RCPT commands)`);
      assert.equal(r.sink.sessions.flatMap((s) => s.messages).length, 0);
    } finally {
      await r.close();
    }
  });

  test('`queue retry ID` and `queue flush` send a deferred message at once', async () => {
    const seen = new Set<string>();
    const r = await rig(
      {
        // Each recipient is refused once, then accepted.
        reply: (e) => {
          if (e.command !== 'RCPT' || seen.has(e.arg)) return undefined;
          seen.add(e.arg);
          return '451 4.3.0 Greylisted, try again';
        },
      },
      { queue: { retry: { first: '1h' } }, delivery: { siteBackoff: '0s' } },
    );
    try {
      const a = testMessage(sender, 'a@remote.test', 'retry command');
      const bmsg = testMessage(sender, 'b@remote.test', 'flush command');
      const idA = await sendVia(r.port, sender, ['a@remote.test'], a.text);
      const idB = await sendVia(r.port, sender, ['b@remote.test'], bmsg.text);
      for (const id of [idA, idB]) {
        const x = await waitFor(`first attempt on ${id}`, async () => {
          const rc = (await entryOf(r.b, id))?.recipients[0];
          return rc && Number(rc.raw.attempts) === 1 ? rc : undefined;
        }, 10_000);
        assert.ok(Date.parse(String(x.raw.nextAttemptAt)) - Date.now() > 30 * 60_000, 'next attempt about an hour away');
      }
      const retry = await r.b.cli(['queue', 'retry', idA]);
      assert.equal(retry.code, 0, retry.stderr);
      assert.match(retry.stdout, /1 recipient due now/);
      await waitFor('A delivered after queue retry', () => delivered(r.sink, a.messageId), 20_000);
      assert.equal(delivered(r.sink, bmsg.messageId), undefined, 'B still waits');
      assert.equal((await entryOf(r.b, idB))?.recipients[0]?.status, 'pending');

      const flush = await r.b.cli(['queue', 'flush']);
      assert.equal(flush.code, 0, flush.stderr);
      await waitFor('B delivered after queue flush', () => delivered(r.sink, bmsg.messageId), 20_000);
      await waitFor('the queue to empty', async () => (await entryOf(r.b, idA)) === undefined && (await entryOf(r.b, idB)) === undefined, 10_000);
    } finally {
      await r.close();
    }
  });
});
