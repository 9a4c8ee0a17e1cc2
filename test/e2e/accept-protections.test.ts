import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { queueList, queuedId, sleep, startBaton, undeliverable, type Baton } from '../helpers/baton.js';

/**
 * Protections on the accept side that a hostile or broken client runs into:
 * junk commands (Postfix smtpd_junk_command_limit), mail loops (RFC 5321 §6.3),
 * per-client connection limits with trusted networks exempt, the shared
 * message-memory budget, and a client that never reads its replies.
 */

/** A raw SMTP client that collects final reply lines ("250 ..."), joined multi-line replies dropped to their last line. */
class Raw {
  private buf = '';
  readonly finals: string[] = [];
  closed = false;
  /** Socket error code, e.g. ECONNRESET when the server closed with our input unread. */
  errorCode: string | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly sock: Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        if (/^\d{3}(?: |$)/.test(line)) this.finals.push(line);
      }
      this.wake();
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      this.errorCode = e.code;
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number, localAddress?: string): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
      s.once('connect', () => resolve(new Raw(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Wait until `n` final replies have arrived (or the socket closed); returns reply n-1 or '(closed)'. */
  async reply(n: number, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.finals.length < n && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return '(timeout)';
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.finals[n - 1] ?? (this.closed ? '(closed)' : '(timeout)');
  }

  /** Send and wait for the next reply. */
  async cmd(line: string, timeoutMs?: number): Promise<string> {
    const n = this.finals.length + 1;
    this.sock.write(line);
    return this.reply(n, timeoutMs);
  }

  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    await this.reply(Number.MAX_SAFE_INTEGER, timeoutMs);
    return this.closed;
  }

  end(): void {
    this.sock.destroy();
  }
}

async function withBaton(limits: Record<string, unknown>, extra: Record<string, unknown>, fn: (b: Baton, port: number) => Promise<void>): Promise<void> {
  const b = await startBaton({
    config: { listeners: [{ role: 'mx' }], localDomains: ['local.test'], ...(await undeliverable()), limits, ...extra },
  });
  try {
    await fn(b, b.ports.mx as number);
    assert.ok(b.alive(), `baton died:\n${b.logs()}`);
  } finally {
    await b.stop();
  }
}

async function greetEhlo(port: number, localAddress?: string): Promise<Raw> {
  const c = await Raw.open(port, localAddress);
  assert.match(await c.reply(1), /^220 /);
  assert.match(await c.cmd('EHLO client.test\r\n'), /^250 /);
  return c;
}

function received(n: number): string {
  return Array.from({ length: n }, (_, i) => `Received: from hop${i}.test by hop${i + 1}.test; Tue, 14 Nov 2023 22:13:20 +0000\r\n`).join('');
}

function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'no VmRSS');
  return Number(m[1]);
}

describe('accept-side protections', { timeout: 240_000 }, () => {
  test('junk commands: 100 NOOPs are free, then each counts as an error up to 421 4.7.0', async () => {
    await withBaton({ errorsBeforeDisconnect: 5 }, {}, async (_b, port) => {
      const c = await greetEhlo(port);
      try {
        for (let i = 1; i <= 100; i++) assert.match(await c.cmd('NOOP\r\n'), /^250 /, `NOOP ${i}`);
        // Each NOOP past the limit is still answered 250, but counts as an error; the
        // 421 follows the answer to the one that reaches the limit, in the same write.
        // One NOOP at a time, each after the previous answer, until the server closes:
        // no time window decides when to stop.
        for (let sent = 101; sent <= 120 && !c.closed && !/^421 /.test(c.finals.at(-1) ?? ''); sent++) {
          await c.cmd('NOOP\r\n', 15_000);
          await new Promise((r) => setImmediate(r)); // take in a 421 that came in the same read
        }
        const past = c.finals.slice(102); // greeting, EHLO and 100 free NOOPs before
        assert.deepEqual(past.map((x) => x.slice(0, 9)), ['250 2.0.0', '250 2.0.0', '250 2.0.0', '250 2.0.0', '250 2.0.0', '421 4.7.0'], past.join(' | '));
        assert.ok(await c.waitClosed(10_000), 'closed after the 421');
      } finally {
        c.end();
      }
    });
  });

  test('a message with 50 Received headers is refused with 554 5.4.6 and not queued; one with 3 is queued', async () => {
    await withBaton({}, {}, async (b, port) => {
      const send = async (hops: number): Promise<string> => {
        const c = await greetEhlo(port);
        try {
          assert.match(await c.cmd('MAIL FROM:<a@remote.test>\r\n'), /^250 /);
          assert.match(await c.cmd('RCPT TO:<user@local.test>\r\n'), /^250 /);
          assert.match(await c.cmd('DATA\r\n'), /^354 /);
          return await c.cmd(`${received(hops)}Subject: hops ${hops}\r\n\r\nbody\r\n.\r\n`);
        } finally {
          c.end();
        }
      };
      assert.match(await send(50), /^554 5\.4\.6 /);
      assert.deepEqual(await queueList(b), [], 'nothing queued');
      const ok = await send(3);
      const id = queuedId(ok);
      assert.ok(id, ok);
      assert.deepEqual((await queueList(b)).map((m) => m.id), [id]);
    });
  });

  test('trusted networks are exempt from limits.connectionsPerClient; others get 421 4.7.0 past it', async () => {
    await withBaton({ connectionsPerClient: 2 }, { relay: { trustedNetworks: ['127.0.0.1/32'] } }, async (_b, port) => {
      const open: Raw[] = [];
      try {
        for (let i = 0; i < 4; i++) {
          const c = await Raw.open(port);
          open.push(c);
          assert.match(await c.reply(1), /^220 /, `trusted connection ${i + 1}`);
        }
        const untrusted: string[] = [];
        for (let i = 0; i < 3; i++) {
          const c = await Raw.open(port, '127.0.0.3');
          open.push(c);
          untrusted.push(await c.reply(1));
        }
        assert.match(untrusted[0] ?? '', /^220 /, untrusted.join(' | '));
        assert.match(untrusted[1] ?? '', /^220 /, untrusted.join(' | '));
        assert.match(untrusted[2] ?? '', /^421 4\.7\.0 /, untrusted.join(' | '));
        // The trusted ones are still usable.
        for (const c of open.slice(0, 4)) assert.match(await c.cmd('NOOP\r\n'), /^250 /);
      } finally {
        for (const c of open) c.end();
      }
    });
  });

  test('limits.messageMemory: big messages held at once past the budget get 452 4.3.1; the server goes on', async () => {
    await withBaton({ messageMemory: '1MB', messageSize: '900k' }, {}, async (b, port) => {
      const a = await greetEhlo(port);
      const c = await greetEhlo(port);
      try {
        for (const s of [a, c]) {
          assert.match(await s.cmd('MAIL FROM:<a@remote.test>\r\n'), /^250 /);
          assert.match(await s.cmd('RCPT TO:<user@local.test>\r\n'), /^250 /);
        }
        // 700 KB each as one BDAT chunk (RFC 3030): the chunk's reply says the server
        // has taken it in, so both bodies are held at once before either message ends,
        // without guessing how long the server needs to read them.
        const chunk = `${'m'.repeat(98)}\r\n`.repeat(7000);
        const chunkReplies = [await a.cmd(`BDAT ${chunk.length}\r\n${chunk}`, 15_000), await c.cmd(`BDAT ${chunk.length}\r\n${chunk}`, 15_000)];
        assert.match(chunkReplies[0] ?? '', /^250 /, `the first chunk fits the budget: ${chunkReplies.join(' | ')}`);
        const ends = [await a.cmd('BDAT 0 LAST\r\n', 15_000), await c.cmd('BDAT 0 LAST\r\n', 15_000)];
        // The refusal may come at the chunk that does not fit (the transaction is then
        // gone, and BDAT LAST gets 503) or at the end of the message.
        const results = ends.map((r, i) => (/^452 /.test(chunkReplies[i] ?? '') ? (chunkReplies[i] as string) : r));
        const transcript = `${chunkReplies.join(' | ')} || ${ends.join(' | ')}`;
        assert.ok(results.some((r) => /^452 4\.3\.1 /.test(r)), transcript);
        assert.ok(results.every((r) => /^452 4\.3\.1 /.test(r) || queuedId(r) !== undefined), transcript);
        const queued = results.filter((r) => queuedId(r) !== undefined).length;
        assert.equal((await queueList(b)).length, queued, 'only accepted messages are queued');
        // The budget was given back: a small message is accepted on a session that was refused.
        const s = results[0]?.startsWith('452') ? a : c;
        assert.match(await s.cmd('MAIL FROM:<a@remote.test>\r\n'), /^250 /);
        assert.match(await s.cmd('RCPT TO:<user@local.test>\r\n'), /^250 /);
        assert.match(await s.cmd('DATA\r\n'), /^354 /);
        const small = await s.cmd('Subject: small\r\n\r\nhi\r\n.\r\n');
        assert.ok(queuedId(small), small);
        assert.equal((await queueList(b)).length, queued + 1);
      } finally {
        a.end();
        c.end();
      }
      assert.ok(b.alive());
      // And a fresh session can send one too.
      const d = await greetEhlo(port);
      try {
        assert.match(await d.cmd('MAIL FROM:<a@remote.test>\r\n'), /^250 /);
        assert.match(await d.cmd('RCPT TO:<user@local.test>\r\n'), /^250 /);
        assert.match(await d.cmd('DATA\r\n'), /^354 /);
        const r = await d.cmd(`Subject: after\r\n\r\n${`${'n'.repeat(98)}\r\n`.repeat(3000)}.\r\n`);
        assert.ok(queuedId(r), `a 300 KB message fits in the budget again: ${r}`);
      } finally {
        d.end();
      }
    });
  });

  test('a client that never reads its replies cannot make the server buffer without bound', async () => {
    await withBaton({ errorsBeforeDisconnect: 5 }, {}, async (b, port) => {
      const pid = b.process.pid as number;
      const before = rssKb(pid);
      const c = await greetEhlo(port);
      try {
        c.sock.pause(); // never read from here on
        c.sock.write('NOOP\r\n'.repeat(20_000));
        await sleep(2000);
        const grown = rssKb(pid) - before;
        assert.ok(b.alive(), b.logs());
        assert.ok(grown < 50 * 1024, `RSS grew by ${grown} kB`);
        c.sock.resume();
        assert.ok(await c.waitClosed(10_000), 'the junk limit closed the connection');
        // The server closes with most of our NOOPs unread, so the kernel may answer
        // with a reset that drops its queued replies; if they arrived, the last is the 421.
        const after = c.finals.slice(2);
        assert.ok(c.errorCode === 'ECONNRESET' || /^421 4\.7\.0 /.test(after.at(-1) ?? ''), `${c.errorCode} ${after.slice(-3).join(' | ')}`);
        const answered = c.finals.filter((x) => x.startsWith('250')).length;
        assert.ok(answered <= 110, `${answered} NOOPs answered before the close`);
      } finally {
        c.end();
      }
      // The server still serves.
      const d = await greetEhlo(port);
      assert.match(await d.cmd('NOOP\r\n'), /^250 /);
      d.end();
    });
  });
});
