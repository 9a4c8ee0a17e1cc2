import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { queueList, type Baton, type QueueEntry } from './baton.js';
import { pySend, runCommand } from './clients.js';

/**
 * Shared pieces of the delivery end-to-end tests (issue 3): a unique test
 * message, sending it with Python's smtplib from a trusted loopback client,
 * bounded polling, reading Maildirs from disk, and reading DSNs back with
 * Python's `email` package (a parser nobody here wrote).
 */

/** Poll `probe` until it returns something other than undefined/false; throw after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface TestMessage {
  readonly messageId: string;
  /** The exact bytes sent (CRLF line ends). */
  readonly text: string;
}

/**
 * A message with a unique Message-ID. The body has a line starting with a dot
 * (dot-stuffing both ways), trailing white space and an empty line, so
 * "byte-exact" comparisons mean something.
 */
export function testMessage(from: string, to: string, subject: string, extraBody = ''): TestMessage {
  const messageId = `<${randomBytes(8).toString('hex')}@client.test>`;
  const text =
    `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: ${messageId}\r\n` +
    `Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n\r\n` +
    `Hello.\r\n.a line that starts with a dot\r\ntrailing space \r\n\r\n${extraBody}last line\r\n`;
  return { messageId, text };
}

/** Send one message through Baton with smtplib; returns the queue id (asserts every reply was 2xx/3xx). */
export async function sendVia(port: number, from: string, to: readonly string[], text: string, mailOptions: readonly string[] = []): Promise<string> {
  const r = await pySend({ port, mail_from: from, mail_options: mailOptions, rcpts: to.map((t) => ({ to: t })), data: text });
  const bad = [r.mail, ...(r.rcpts ?? []), r.data].find((p) => !p || p[0] >= 400);
  if (r.error || bad) throw new Error(`sending failed: ${JSON.stringify(r)}`);
  const id = /queued as ([0-9A-Z]{20})/.exec(r.data?.[1] ?? '')?.[1];
  if (!id) throw new Error(`no queue id in ${JSON.stringify(r.data)}`);
  return id;
}

/** The message with our Received header (the first field, with its folded lines) removed; asserts it was there. */
export function withoutOurReceived(data: string, hostname = 'baton.test'): string {
  const m = /^Received: [^\n]*\n(?:[ \t][^\n]*\n)*/.exec(data);
  if (!m || !m[0].includes(`by ${hostname}`)) throw new Error(`message does not start with our Received header:\n${data.slice(0, 300)}`);
  return data.slice(m[0].length);
}

/** Files in a Maildir's new/: empty when the Maildir does not exist (yet); any other read error throws. */
export async function maildirMessages(dir: string): Promise<{ name: string; text: string }[]> {
  let names: string[];
  try {
    names = (await readdir(join(dir, 'new'))).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(join(dir, 'new', name), 'latin1') })));
}

/** Wait until a Maildir holds at least `n` messages. */
export function waitForMaildir(dir: string, n: number, timeoutMs = 15_000) {
  return waitFor(`${n} message(s) in ${dir}/new`, async () => {
    const got = await maildirMessages(dir);
    return got.length >= n ? got : undefined;
  }, timeoutMs);
}

/** The queue entry for an id, or undefined once it is gone. */
export async function entryOf(b: Baton, id: string): Promise<QueueEntry | undefined> {
  return (await queueList(b)).find((e) => e.id === id);
}

/** Wait until the first recipient of a queued message has had `attempts` attempts (at least, unless `exactly`). */
export function waitForAttempt(b: Baton, id: string, opts: { attempts?: number; exactly?: boolean; timeoutMs?: number; intervalMs?: number } = {}) {
  const n = opts.attempts ?? 1;
  return waitFor(
    `an attempt on ${id}`,
    async () => {
      const r = (await entryOf(b, id))?.recipients[0];
      const a = Number(r?.raw.attempts);
      return r && (opts.exactly ? a === n : a >= n) ? r : undefined;
    },
    opts.timeoutMs ?? 15_000,
    opts.intervalMs ?? 250,
  );
}

/** Wait until the queue is empty (every message retired). */
export function waitForEmptyQueue(b: Baton, timeoutMs = 15_000) {
  return waitFor('an empty queue', async () => ((await queueList(b)).length === 0 ? true : undefined), timeoutMs, 250);
}

export interface ParsedDsnRecipient {
  readonly [field: string]: string;
}

/** What Python's email package makes of a DSN. */
export interface ParsedDsn {
  readonly contentType: string;
  readonly reportType: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly subject: string | null;
  readonly autoSubmitted: string | null;
  readonly partTypes: string[];
  /** Per-message fields of the message/delivery-status part (Reporting-MTA, ...), names lower-cased. */
  readonly perMessage: Record<string, string>;
  /** One object per recipient block, names lower-cased. */
  readonly recipients: ParsedDsnRecipient[];
  /** Message-ID of the returned message or headers (third part), if any. */
  readonly returnedMessageId: string | null;
  readonly defects: string[];
}

const PY_DSN = `
import email, json, sys
from email import policy
raw = sys.stdin.buffer.read()
m = email.message_from_bytes(raw, policy=policy.compat32)
out = {"contentType": m.get_content_type(), "reportType": m.get_param("report-type"),
       "from": m.get("From"), "to": m.get("To"), "subject": m.get("Subject"),
       "autoSubmitted": m.get("Auto-Submitted"), "partTypes": [], "perMessage": {},
       "recipients": [], "returnedMessageId": None,
       "defects": [type(d).__name__ for d in m.defects]}
if m.is_multipart():
    parts = m.get_payload()
    out["partTypes"] = [p.get_content_type() for p in parts]
    for p in parts:
        out["defects"] += [type(d).__name__ for d in p.defects]
        ct = p.get_content_type()
        if ct == "message/delivery-status":
            blocks = p.get_payload()
            if blocks:
                out["perMessage"] = {k.lower(): v for k, v in blocks[0].items()}
                out["recipients"] = [{k.lower(): v for k, v in b.items()} for b in blocks[1:]]
        elif ct in ("message/rfc822", "text/rfc822-headers"):
            if ct == "message/rfc822":
                inner = p.get_payload()[0]
            else:
                inner = email.message_from_string(p.get_payload())
            out["returnedMessageId"] = inner.get("Message-ID")
print(json.dumps(out))
`;

/** Parse a DSN with Python's `email` package (compat32 policy, the stdlib's lenient default). */
export async function parseDsn(text: string | Buffer): Promise<ParsedDsn> {
  const r = await runCommand('python3', ['-c', PY_DSN], { input: typeof text === 'string' ? Buffer.from(text, 'latin1') : text, timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`python email parser failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as ParsedDsn;
}

/** Collapse folded header white space so field values compare as one line. */
export function unfold(v: string | undefined): string {
  return (v ?? '').replace(/\r?\n[ \t]+/g, ' ').trim();
}
