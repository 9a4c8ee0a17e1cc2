import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './dnsmasq.js';
import { freePorts } from './free-port.js';
import { waitForGreeting } from './wait-for-greeting.js';

/**
 * Postfix's smtp-sink, a real receiving MTA for tests (loopback only).
 *
 *   const sink = await startSmtpSink({ host: '127.0.0.2' });   // any 127.0.0.0/8 address
 *   ... deliver to sink.host:sink.port ...
 *   await sink.waitForMessages(3);       // bounded wait
 *   const msgs = await sink.messages();  // parsed dumps: mailFrom, recipients, data
 *   await sink.stop();
 *
 * Every message is dumped (-d) into a temp directory and parsed back; `counters()`
 * reads smtp-sink's own running counters (-c). smtp-sink offers PIPELINING,
 * 8BITMIME, DSN, ENHANCEDSTATUSCODES, SIZE, no CHUNKING and no STARTTLS; `args`
 * adds flags (e.g. ['-L'] for LMTP, ['-r', 'RCPT'] to soft-reject, ['-p'] no
 * PIPELINING; see `man smtp-sink`).
 */
export interface SmtpSinkOptions {
  readonly host?: string;
  readonly port?: number;
  readonly args?: readonly string[];
}

export interface DumpedMessage {
  readonly mailFrom: string;
  readonly mailArgs: string;
  readonly recipients: readonly string[];
  readonly rcptArgs: readonly string[];
  readonly helo?: string;
  readonly proto: string;
  /** The message as received, with smtp-sink's LF line ends (it rewrites CRLF to LF in dumps). */
  readonly data: string;
}

export interface SmtpSinkHandle {
  readonly host: string;
  readonly port: number;
  readonly dumpDir: string;
  messages(): Promise<DumpedMessage[]>;
  /** Waits (polling, at most `timeoutMs`) until at least `n` messages were dumped; returns them. Throws when they do not come. */
  waitForMessages(n: number, timeoutMs?: number): Promise<DumpedMessage[]>;
  /** smtp-sink's own counters from -c: sessions ended, QUITs, messages (updated at session end,
   *  QUIT and "."; the start-up readiness probe counts as one session with one QUIT). */
  counters(): { sess: number; quit: number; mesg: number };
  output(): string;
  stop(): Promise<void>;
}

export function smtpSinkPath(): string {
  for (const p of ['/usr/sbin/smtp-sink', '/usr/bin/smtp-sink']) if (existsSync(p)) return p;
  return 'smtp-sink';
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSinkHandle> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePorts(1, host))[0] ?? 0;
  const dumpDir = await mkdtemp(join(tmpdir(), 'baton-sink-'));
  // smtp-sink refuses to run as root without -u; the unprivileged user must write dumps.
  await chmod(dumpDir, 0o777);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const args = [...(root ? ['-u', 'nobody'] : []), '-c', '-d', `${dumpDir}/msg.`, ...(opts.args ?? []), `${host}:${port}`, '64'];
  const child: ChildProcess = spawn(smtpSinkPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  if (!(await waitForGreeting(child, host, port, { tries: 40, intervalMs: 50, connectTimeoutMs: 500 }))) {
    await stopChild(child);
    await rm(dumpDir, { recursive: true, force: true });
    throw new Error(`smtp-sink did not start on ${host}:${port}: ${output}`);
  }
  const messages = async (): Promise<DumpedMessage[]> => {
    const files = (await readdir(dumpDir)).filter((f) => f.startsWith('msg.'));
    const out = await Promise.all(files.map(async (f) => parseDump(await readFile(join(dumpDir, f), 'utf8'))));
    return out.filter((m): m is DumpedMessage => m !== undefined);
  };
  return {
    host,
    port,
    dumpDir,
    messages,
    async waitForMessages(n, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const got = await messages();
        if (got.length >= n) return got;
        if (Date.now() > until) {
          throw new Error(`smtp-sink on ${host}:${port} got ${got.length} of ${n} message(s) in ${timeoutMs} ms; its output:\n${output.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    counters() {
      const all = [...output.matchAll(/sess=(\d+) quit=(\d+) mesg=(\d+)/g)];
      const m = all[all.length - 1];
      return { sess: Number(m?.[1] ?? 0), quit: Number(m?.[2] ?? 0), mesg: Number(m?.[3] ?? 0) };
    },
    output: () => output,
    async stop() {
      await stopChild(child);
      await rm(dumpDir, { recursive: true, force: true });
    },
  };
}

/**
 * A dump: X-Client-Addr, X-Client-Proto, X-Helo-Args?, X-Mail-Args, X-Rcpt-Args*,
 * a three-line Received header, the message, then one empty line. A file still
 * being written (no Received yet) gives undefined.
 */
export function parseDump(text: string): DumpedMessage | undefined {
  const lines = text.split('\n');
  const recv = lines.findIndex((l) => l.startsWith('Received: '));
  if (recv === -1 || lines.length < recv + 3) return undefined;
  const head = lines.slice(0, recv);
  const field = (name: string): string[] => head.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
  const mailArgs = field('X-Mail-Args')[0] ?? '';
  const rcptArgs = field('X-Rcpt-Args');
  const addr = (args: string): string => /<([^>]*)>/.exec(args)?.[1] ?? '';
  const helo = field('X-Helo-Args')[0];
  const body = lines.slice(recv + 3).join('\n');
  return {
    mailFrom: addr(mailArgs),
    mailArgs,
    recipients: rcptArgs.map(addr),
    rcptArgs,
    ...(helo !== undefined ? { helo } : {}),
    proto: field('X-Client-Proto')[0] ?? '',
    data: body.endsWith('\n\n') ? body.slice(0, -1) : body,
  };
}

