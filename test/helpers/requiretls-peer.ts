import { join } from 'node:path';
import { queueList, queueShow, startBaton, type Baton } from './baton.js';
import { pySend, type SendResult } from './clients.js';
import { maildirMessages, parseDsn, testMessage, unfold, waitFor, type ParsedDsn, type TestMessage } from './deliver-kit.js';
import { freePort } from './free-port.js';
import { issueServerCert, type TestCa } from './tls.js';

/**
 * The REQUIRETLS e2e tests' shared pieces (RFC 8689): a second real Baton as
 * the next hop, which offers REQUIRETLS on TLS (its default) with a
 * certificate from a test CA, and keeps what it receives (its own route for
 * `domains` leads to a closed port) so its queue shows what arrived; and the
 * client side, Python's smtplib with or without `MAIL FROM ... REQUIRETLS`.
 *
 *   const peer = await startRequireTlsPeer({ ca, dir, hostname: 'mx2.x.test', domains: ['x.test'] });
 *   const got = await receivedAtPeer(peer, 'sender@local.test');   // its queue entry, once there
 *   got.params.requireTls === true
 */
export interface PeerOptions {
  readonly ca: TestCa;
  /** Where the certificate is written. */
  readonly dir: string;
  /** Its host name, EHLO name and the certificate's DNS name. */
  readonly hostname: string;
  /** Recipient domains it accepts (and keeps). */
  readonly domains: readonly string[];
  /** "IP:PORT" to listen on; a free 127.0.0.1 port when absent. Its IP is in the certificate too. */
  readonly address?: string;
}

export async function startRequireTlsPeer(opts: PeerOptions): Promise<Baton> {
  const ip = opts.address?.replace(/:\d+$/, '') ?? '127.0.0.1';
  const cert = await issueServerCert(opts.ca, opts.dir, `peer-${opts.hostname}`, { dns: [opts.hostname], ip: [ip] });
  const nowhere = await freePort();
  return startBaton({
    config: {
      hostname: opts.hostname,
      listeners: [{ role: 'mx', ...(opts.address ? { address: opts.address } : {}) }],
      tls: { cert: cert.cert, key: cert.key },
      routes: [{ domains: [...opts.domains], smarthost: `127.0.0.1:${nowhere}`, tls: 'required-verify' }],
    },
  });
}

/** What the peer's queue holds for the first message from `sender`: `baton queue show --json` of it, and its id. */
export async function receivedAtPeer(peer: Baton, sender: string, timeoutMs = 20_000): Promise<{ id: string; params: Record<string, unknown>; origin: Record<string, unknown> }> {
  const entry = await waitFor('the message in the next-hop Baton', async () => (await queueList(peer)).find((e) => e.sender === sender), timeoutMs, 200);
  const shown = await queueShow(peer, entry.id);
  return { id: entry.id, params: shown.params as Record<string, unknown>, origin: shown.origin as Record<string, unknown> };
}

export interface TaggedSend {
  readonly r: SendResult;
  /** The queue id from the 250 after DATA, when the message was taken. */
  readonly id: string | undefined;
  readonly msg: TestMessage;
}

/** One message to Baton's port with smtplib, on plaintext or STARTTLS, with `MAIL FROM ... REQUIRETLS` when asked. */
export async function sendTagged(
  port: number,
  from: string,
  to: string,
  subject: string,
  opts: { readonly mode: 'plain' | 'starttls'; readonly requireTls: boolean; readonly header?: string },
): Promise<TaggedSend> {
  const msg = testMessage(from, to, subject, 'SECRET-BODY-LINE\r\n');
  const r = await pySend({
    port,
    mode: opts.mode,
    mail_from: from,
    mail_options: opts.requireTls ? ['REQUIRETLS'] : [],
    rcpts: [{ to }],
    data: (opts.header ?? '') + msg.text,
  });
  const id = /queued as ([0-9A-Z]{20})/.exec(r.data?.[1] ?? '')?.[1];
  return { r, id, msg };
}

/**
 * The DSN that returned the message with this Message-ID to a sender of
 * local.test (the sending Baton's own Maildir, mail/local.test/USER), parsed
 * by Python's email package; `diagnostic` is the first recipient's
 * Diagnostic-Code, unfolded, and `text` the DSN as stored.
 */
export async function returnedToSender(sending: Baton, localPart: string, messageId: string): Promise<{ parsed: ParsedDsn; diagnostic: string; text: string }> {
  const mailbox = join(sending.dir, 'mail', 'local.test', localPart);
  // Other DSNs may be there already (an earlier test's): wait for the one about this message.
  const dsn = await waitFor(`a DSN about ${messageId} in ${mailbox}`, async () => (await maildirMessages(mailbox)).find((f) => f.text.includes(messageId)), 20_000, 100);
  const parsed = await parseDsn(dsn.text);
  return { parsed, diagnostic: unfold(parsed.recipients[0]?.['diagnostic-code']), text: dsn.text };
}
