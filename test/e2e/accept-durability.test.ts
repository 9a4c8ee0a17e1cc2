import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { createTransport } from 'nodemailer';
import { queueBody, queueList, queuedId, startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { pythonDir } from '../helpers/clients.js';

/**
 * Durability (issue 2): a kill -9 at any moment loses nothing that got a 250, and
 * leaves nothing half-written that later shows up as a message. A message whose
 * 250 was lost with the process may be queued, but only complete.
 */

interface Sent {
  readonly sha: string;
  readonly len: number;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('durability of accepted mail', { timeout: 240_000 }, () => {
  let b: Baton;

  before(async () => {
    b = await startBaton({ config: { listeners: [{ role: 'mx' }], localDomains: ['local.test'], ...(await undeliverable()) } });
  });
  after(() => b?.stop());

  test('kill -9 during 200 parallel sends over 20 connections loses no message that got a 250 and stores no partial one', async (t) => {
    const sending = new Map<string, Sent>();
    const accepted = new Map<string, string>(); // tag -> queue id
    const KILL_AFTER = 40;
    let killed: Promise<void> | undefined;

    const py = spawn('python3', ['-u', join(pythonDir, 'burst.py'), '127.0.0.1', String(b.ports.mx), '20', '10', 'user@local.test'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    py.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => py.once('close', (code) => res(code)));
    const guard = setTimeout(() => py.kill('SIGKILL'), 120_000);
    for await (const line of createInterface({ input: py.stdout })) {
      const ev = JSON.parse(line) as { event: string; tag?: string; sha?: string; len?: number; code?: number; text?: string };
      if (ev.event === 'sending' && ev.tag && ev.sha && ev.len) sending.set(ev.tag, { sha: ev.sha, len: ev.len });
      if (ev.event === 'reply' && ev.tag && ev.code === 250) {
        const id = queuedId(ev.text ?? '');
        assert.ok(id, `250 without a queue id: ${ev.text}`);
        accepted.set(ev.tag, id);
        if (accepted.size === KILL_AFTER) killed = b.kill9();
      }
    }
    clearTimeout(guard);
    await exited;
    assert.ok(killed, `the burst finished before ${KILL_AFTER} messages were accepted: ${stderr}`);
    await killed;
    assert.ok(accepted.size < 200, 'the kill came in the middle of the burst');

    await b.restart();
    const queued = await queueList(b);
    const byId = new Map(queued.map((m) => [m.id, m]));

    // Every 250 is in the queue, byte-exact.
    for (const [tag, id] of accepted) {
      assert.ok(byId.has(id), `message ${tag} got 250 (queued as ${id}) but is missing after kill -9`);
      const sent = sending.get(tag) as Sent;
      const body = await queueBody(b, id);
      assert.ok(body && body.length > sent.len, `${id}: stored body missing or short`);
      assert.equal(sha256(body.subarray(body.length - sent.len)), sent.sha, `${id} (${tag}) is not byte-exact`);
      assert.match(body.subarray(0, body.length - sent.len).toString('latin1'), /^Received: /);
      assert.equal(byId.get(id)?.sender, `sender-${tag}@remote.test`);
    }

    // Everything in the queue is a complete message that was really sent, once.
    const tagsSeen = new Set<string>();
    for (const m of queued) {
      const body = (await queueBody(b, m.id)) ?? Buffer.alloc(0);
      const tag = /^X-Tag: (\S+)\r$/m.exec(body.toString('latin1'))?.[1];
      assert.ok(tag && sending.has(tag), `${m.id} is not one of the messages sent`);
      assert.ok(!tagsSeen.has(tag), `${tag} is queued twice`);
      tagsSeen.add(tag);
      const sent = sending.get(tag) as Sent;
      assert.equal(sha256(body.subarray(body.length - sent.len)), sent.sha, `${m.id} (${tag}) is a partial message`);
      assert.equal(m.size, body.length, `${m.id}: size in the queue matches the stored bytes`);
      assert.deepEqual(m.recipients.map((r) => r.address), ['user@local.test']);
    }
    assert.ok(queued.length >= accepted.size);
    t.diagnostic(`${accepted.size} got 250 before the kill; ${queued.length} queued after restart (${sending.size} were being sent)`);
  });

  test('after the restart the server accepts mail again (nodemailer) and keeps the old queue', async () => {
    const before = (await queueList(b)).length;
    const t = createTransport({ host: '127.0.0.1', port: b.ports.mx as number, secure: false, ignoreTLS: true });
    const info = await t.sendMail({ envelope: { from: 'a@remote.test', to: ['user@local.test'] }, raw: 'Subject: after restart\r\n\r\nok\r\n' });
    t.close();
    assert.ok(queuedId(info.response), info.response);
    assert.equal((await queueList(b)).length, before + 1);
  });

  test('a graceful stop (SIGTERM) exits 0 and keeps the queue across a restart', async () => {
    const before = (await queueList(b)).map((m) => m.id).sort();
    assert.equal(await b.stop(), 0, b.logs().slice(-2000));
    await b.restart();
    assert.deepEqual((await queueList(b)).map((m) => m.id).sort(), before);
  });
});
