import { randomBytes } from 'node:crypto';
import { createTransport } from 'nodemailer';

/**
 * The load a TCP load balancer would spread over a cluster's nodes: `count`
 * messages, `concurrency` at a time, each on its own SMTP connection
 * (nodemailer), round robin over the nodes that are up. Every message carries
 * a sequence tag in a header and as its last line ("END <seq>"), which the
 * cluster rig's sink reader counts.
 *
 * A send that fails is not retried: it was not accepted (no 250), so nothing
 * is owed for it. (A client would retry it; if its DATA had been committed
 * before the connection broke, that retry is a duplicate no MTA can avoid, and
 * it would blur what this test counts.)
 */
export interface LoadTarget {
  readonly name: string;
  readonly ports: { readonly mx?: number };
  alive(): boolean;
}

export interface LoadOptions {
  readonly targets: readonly LoadTarget[];
  readonly count: number;
  readonly concurrency: number;
  /** Distinguishes runs in one sink (default random). */
  readonly run?: string;
  /** Body size in bytes, roughly (default 1 KiB). */
  readonly size?: number;
  /** Recipient domain (default sink.test). */
  readonly domain?: string;
  /** Called after each 250, with the number accepted so far (the test's event to act on). */
  onAccepted?(accepted: number, sent: SentMessage): void | Promise<void>;
}

export interface SentMessage {
  readonly seq: string;
  readonly node: string;
  /** The reply code of the end of DATA (or of the command that failed); 0 when the connection failed. */
  readonly code: number;
  readonly response: string;
  /** Date.now() when the reply arrived. */
  readonly at: number;
}

export interface LoadResult {
  readonly accepted: readonly SentMessage[];
  readonly rejected: readonly SentMessage[];
  /** Replies by code, e.g. {"250": 280, "451": 12, "0": 8}. */
  readonly codes: Readonly<Record<string, number>>;
}

export async function spreadLoad(opts: LoadOptions): Promise<LoadResult> {
  const run = opts.run ?? randomBytes(3).toString('hex');
  const domain = opts.domain ?? 'sink.test';
  const filler = 'x'.repeat(76) + '\r\n';
  const body = filler.repeat(Math.max(1, Math.round((opts.size ?? 1024) / filler.length)));
  const accepted: SentMessage[] = [];
  const rejected: SentMessage[] = [];
  const codes: Record<string, number> = {};
  let next = 0;
  let rr = 0;

  const pick = (): LoadTarget | undefined => {
    const up = opts.targets.filter((t) => t.alive());
    if (up.length === 0) return undefined;
    return up[rr++ % up.length];
  };

  const sendOne = async (i: number): Promise<void> => {
    const seq = `${run}-${i}`;
    const target = pick();
    if (target === undefined) throw new Error('no node is up to send to');
    const raw =
      `From: load@client.test\r\nTo: u${i}@${domain}\r\nSubject: load ${seq}\r\n` +
      `Message-ID: <${seq}@load.test>\r\nX-Load-Seq: ${seq}\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\n\r\n` +
      `${body}END ${seq}\r\n`;
    const t = createTransport({
      host: '127.0.0.1',
      port: target.ports.mx as number,
      secure: false,
      ignoreTLS: true,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    });
    let sent: SentMessage;
    try {
      const info = await t.sendMail({ envelope: { from: 'load@client.test', to: [`u${i}@${domain}`] }, raw });
      sent = { seq, node: target.name, code: Number(/^\d{3}/.exec(info.response)?.[0] ?? 0), response: info.response, at: Date.now() };
    } catch (err) {
      const e = err as { responseCode?: number; response?: string; message?: string };
      sent = { seq, node: target.name, code: e.responseCode ?? 0, response: e.response ?? e.message ?? String(err), at: Date.now() };
    } finally {
      t.close();
    }
    codes[String(sent.code)] = (codes[String(sent.code)] ?? 0) + 1;
    if (sent.code === 250) {
      accepted.push(sent);
      await opts.onAccepted?.(accepted.length, sent);
    } else {
      rejected.push(sent);
    }
  };

  const worker = async (): Promise<void> => {
    while (next < opts.count) await sendOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.count) }, worker));
  return { accepted, rejected, codes };
}
