import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { queueList, queuedId, startBaton, undeliverable, type Baton } from '../helpers/baton.js';

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

  test('a client that never reads its replies cannot make the server buffer without bound: it stops reading', async (t) => {
    // EHLO is no junk command and may be pipelined after EHLO; each 18-byte EHLO
    // earns a reply of ~200 bytes. We offer up to 64 MB of them and never read. We
    // write as a well-behaved sender does: on false from write(), wait for 'drain'.
    // Once its replies back up, Baton must stop reading: 'drain' stops coming
    // after a few MB (the kernel's socket buffers), and its memory must not grow
    // with what we sent.
    await withBaton({}, {}, async (b, port) => {
      const pid = b.process.pid as number;
      const c = await greetEhlo(port);
      const rssBefore = rssKb(pid);
      const offered = 64 * 1024 * 1024;
      const piece = 'EHLO client.test\r\n'.repeat(Math.floor((64 * 1024) / 18));
      let taken = 0; // written and drained: handed to the kernel
      let stalled = false;
      try {
        c.sock.pause(); // never read from here on
        while (taken < offered) {
          if (c.sock.write(piece)) {
            taken += piece.length;
            continue;
          }
          // A stall of 5 s is the expected end; a server that reads on drains at once.
          const drained = await new Promise<boolean>((res) => {
            const timer = setTimeout(() => res(false), 5000);
            c.sock.once('drain', () => {
              clearTimeout(timer);
              res(true);
            });
          });
          if (!drained) {
            stalled = true;
            break;
          }
          taken += piece.length;
        }
        const mb = (taken / 1048576).toFixed(1);
        assert.ok(stalled, `all of the 64 MB drained: Baton read on while its replies went unread`);
        // The kernel's socket buffers on both sides (tcp_wmem/tcp_rmem) and Baton's
        // bounded input buffer hold a few MB; this bound only says "far from all".
        assert.ok(taken < 24 * 1024 * 1024, `Baton took in ${mb} MB before our writes stopped draining`);
        assert.equal(c.sock.writableNeedDrain, true, 'our last write is still waiting');
        const grownKb = rssKb(pid) - rssBefore;
        assert.ok(grownKb < 48 * 1024, `Baton's RSS grew by ${grownKb} kB (it took in ${mb} MB)`);
        assert.ok(b.alive(), b.logs());
        t.diagnostic(`Baton took in ${mb} MB of 64 MB offered; RSS ${rssBefore} kB -> +${grownKb} kB`);
        // Stuck as it is, that client holds up nobody else.
        const d = await greetEhlo(port);
        try {
          assert.match(await d.cmd('NOOP\r\n'), /^250 /);
          assert.match(await d.cmd('MAIL FROM:<a@remote.test>\r\n'), /^250 /);
          assert.match(await d.cmd('RCPT TO:<user@local.test>\r\n'), /^250 /);
          assert.match(await d.cmd('DATA\r\n'), /^354 /);
          assert.ok(queuedId(await d.cmd('Subject: meanwhile\r\n\r\nhi\r\n.\r\n')), 'a message is accepted meanwhile');
        } finally {
          d.end();
        }
      } finally {
        c.end();
      }
    });
  });
});
