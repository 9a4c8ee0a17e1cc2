import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type { Clock, Mailbox, SmtpReply } from '../../core/index.js';
import { DeliveryReplies, formatMailbox, systemClock } from '../../core/index.js';

/**
 * Final delivery into a Maildir (https://cr.yp.to/proto/maildir.html, DESIGN §3
 * step 10). The message is written under tmp/, fsynced, then linked into new/
 * and new/ is fsynced: a reader never sees a partial file in new/, and once we
 * report delivered the message survives a power cut.
 */

export type LocalResult =
  | { readonly verdict: 'delivered'; readonly reply: SmtpReply; readonly path: string }
  | { readonly verdict: 'deferred'; readonly reply: SmtpReply; readonly error: string }
  | { readonly verdict: 'bounced'; readonly reply: SmtpReply; readonly error: string };

/** The file operations used, so tests can inject failures (a disk that fills up mid-write). */
export interface MaildirFile {
  writeFile(data: Buffer): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}
export interface MaildirIo {
  mkdir(path: string, opts: { recursive: true; mode: number }): Promise<unknown>;
  open(path: string, flags: string, mode: number): Promise<MaildirFile>;
  link(existing: string, target: string): Promise<void>;
  unlink(path: string): Promise<void>;
  syncDir(path: string): Promise<void>;
}

export const nodeMaildirIo: MaildirIo = {
  mkdir: (p, o) => fsp.mkdir(p, o),
  open: (p, f, m) => fsp.open(p, f, m),
  link: (a, b) => fsp.link(a, b),
  unlink: (p) => fsp.unlink(p),
  async syncDir(p) {
    const fh = await fsp.open(p, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};

export interface MaildirOptions {
  /** Path template, e.g. "mail/{domain}/{user}"; relative templates are resolved against baseDir. */
  readonly template: string;
  /** The data directory (config `dataDir`). */
  readonly baseDir: string;
  /** Our host name, part of each unique file name. */
  readonly hostname: string;
  readonly clock?: Clock;
  readonly io?: MaildirIo;
}

export interface MaildirDelivery {
  /** Envelope sender; null for "<>". */
  readonly sender: Mailbox | null;
  /** The final recipient (after alias expansion). */
  readonly recipient: Mailbox;
  /** The message as stored: CRLF line endings. */
  readonly message: Buffer;
}

export type MaildirPath = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly problem: string };

/**
 * The Maildir of a recipient. The local part is lower-cased: RFC 5321 §2.4
 * lets local parts be case-sensitive but tells senders not to rely on it, and
 * in practice people type "Alice@" and "alice@" for the same person; without
 * this they would land in two Maildirs, one of which nobody reads. It also
 * matches how mailboxes and aliases are compared (aliases.ts). Neither the
 * local part nor the domain may contain "/" or "\", control characters, or be
 * or start with "." — so "..", hidden Maildir++ folders and absolute paths
 * cannot be reached from an address.
 */
export function maildirPath(template: string, baseDir: string, recipient: Mailbox): MaildirPath {
  const user = unquote(recipient.local).toLowerCase();
  const domain = recipient.domain.toLowerCase();
  if (!safeSegment(user)) return { ok: false, problem: `local part "${recipient.local}" cannot name a mailbox` };
  if (!safeSegment(domain) || domain.startsWith('[')) return { ok: false, problem: `domain "${recipient.domain}" cannot name a mailbox` };
  const filled = template.replaceAll('{domain}', domain).replaceAll('{user}', user);
  const path = isAbsolute(filled) ? resolve(filled) : resolve(baseDir, filled);
  // Belt and braces: the result must stay inside the template's fixed prefix.
  const fixed = template.split('{')[0] ?? '';
  const root = resolve(isAbsolute(fixed) ? fixed : join(baseDir, fixed));
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return { ok: false, problem: 'mailbox path escapes its directory' };
  return { ok: true, path };
}

function safeSegment(s: string): boolean {
  return s !== '' && !s.startsWith('.') && !/[/\\\x00-\x1f\x7f]/.test(s) && Buffer.byteLength(s) <= 255;
}

/** "\"john.doe\"" names the same mailbox as john.doe (RFC 5321 §4.1.2 quoted-string). */
function unquote(local: string): string {
  if (!(local.length >= 2 && local.startsWith('"') && local.endsWith('"'))) return local;
  return local.slice(1, -1).replace(/\\(.)/g, '$1');
}

/**
 * A name unique across hosts and processes (maildir spec "Unique names"):
 * seconds, then M<microseconds>P<pid>R<random>, then our host name with "/" and
 * ":" escaped as the spec asks; ",S=<size>" lets Maildir++ readers (Dovecot)
 * skip a stat for quota.
 */
export function uniqueName(now: number, hostname: string, size: number): string {
  const host = hostname.replaceAll('/', '\\057').replaceAll(':', '\\072');
  const sec = Math.floor(now / 1000);
  const usec = (now % 1000) * 1000;
  return `${sec}.M${usec}P${process.pid}R${randomBytes(8).toString('hex')}.${host},S=${size}`;
}

export async function deliverToMaildir(opts: MaildirOptions, d: MaildirDelivery): Promise<LocalResult> {
  const io = opts.io ?? nodeMaildirIo;
  const where = maildirPath(opts.template, opts.baseDir, d.recipient);
  if (!where.ok) return { verdict: 'bounced', reply: DeliveryReplies.badMailbox(), error: where.problem };
  const rcpt = formatMailbox(d.recipient);
  if (alreadyDeliveredTo(d.message, rcpt)) {
    // Postfix local(8) does the same: our own Delivered-To in the message means it came back round.
    return { verdict: 'bounced', reply: DeliveryReplies.forwardingLoop(), error: `message already has Delivered-To: ${rcpt}` };
  }

  // RFC 5321 §4.4: the final-delivery MTA records the reverse-path as Return-Path.
  // Maildir files hold Unix line endings, as mail readers and other MDAs expect.
  const head = `Return-Path: <${formatMailbox(d.sender)}>\nDelivered-To: ${rcpt}\n`;
  const data = Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(d.message.toString('latin1').replaceAll('\r\n', '\n'), 'latin1')]);
  const name = uniqueName((opts.clock ?? systemClock).now(), opts.hostname, data.length);
  const tmp = join(where.path, 'tmp', name);
  const fresh = join(where.path, 'new', name);
  let wroteTmp = false;
  try {
    for (const sub of ['tmp', 'new', 'cur']) await io.mkdir(join(where.path, sub), { recursive: true, mode: 0o700 });
    // 'wx': never overwrite; a clash means the name was not unique, and we retry later.
    const fh = await io.open(tmp, 'wx', 0o600);
    wroteTmp = true;
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await io.link(tmp, fresh);
    await io.unlink(tmp).catch(() => undefined);
    wroteTmp = false;
    await io.syncDir(join(where.path, 'new'));
    return { verdict: 'delivered', reply: DeliveryReplies.deliveredToMailbox(), path: fresh };
  } catch (err) {
    if (wroteTmp) await io.unlink(tmp).catch(() => undefined);
    return { verdict: 'deferred', ...replyForError(err) };
  }
}

/**
 * Local failures are temporary: a full disk or an I/O error is ours to fix,
 * not a reason to return the sender's mail (DESIGN §4: never bounce for our
 * own problem). Mail that never fits expires in the end.
 */
function replyForError(err: unknown): { reply: SmtpReply; error: string } {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const error = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOSPC':
      return { reply: DeliveryReplies.mailboxStorageFull(), error };
    case 'EDQUOT':
      return { reply: DeliveryReplies.mailboxFull(), error };
    default:
      return { reply: DeliveryReplies.localProblem(), error };
  }
}

function alreadyDeliveredTo(message: Buffer, rcpt: string): boolean {
  const end = message.indexOf('\r\n\r\n');
  const headers = message.subarray(0, end < 0 ? message.length : end).toString('utf8');
  const want = rcpt.toLowerCase();
  for (const m of headers.matchAll(/^Delivered-To:[ \t]*([^\r\n]*)/gim)) {
    if ((m[1] ?? '').trim().replace(/^<|>$/g, '').toLowerCase() === want) return true;
  }
  return false;
}
