import { DeliveryReplies, formatMailbox, isAsciiMailbox, partsLength, type MessageParts, type Recipient, type SmtpReply } from '../../core/index.js';
import type { Stage, StageResult } from '../outcome.js';
import type { Capabilities } from './capabilities.js';
import { asParts, bdatChunks, dataPayload } from './data.js';
import type { RecipientResult, SendRequest, SendResult } from './types.js';
import { WireError, type Wire } from './wire.js';
import { encodeXtext } from '../../core/index.js';

/**
 * One mail transaction on an open session: MAIL, RCPT..., DATA or BDAT.
 * PIPELINING (RFC 2920): MAIL, every RCPT and DATA leave in one write and the
 * replies are read in order. BDAT (RFC 3030) when CHUNKING is offered (SMTP only:
 * LMTP keeps DATA, whose per-recipient replies RFC 2033 §4.2 defines).
 * Server refusals are data; a dead socket becomes a `connection` error result.
 */

export interface TransactionContext {
  readonly wire: Wire;
  readonly caps: Capabilities;
  readonly lmtp: boolean;
  /** Largest BDAT chunk. */
  readonly chunkSize: number;
}


/**
 * A 421 reply (RFC 5321 §3.8): the server is closing the connection, so the
 * replies pipelined after it will never come. It ends the transaction with
 * that reply (its reason is the deferral's reason, and a throttling signal)
 * instead of the closed connection a further read would report.
 */
class ServiceClosing extends Error {
  constructor(readonly reply: SmtpReply) {
    super(`421 from the server: ${reply.lines.join(' ')}`);
  }
}

async function readReply(wire: Wire): Promise<SmtpReply> {
  const reply = await wire.read();
  if (reply.code === 421) throw new ServiceClosing(reply);
  return reply;
}

type Rcpt = {
  readonly address: string;
  readonly command: string;
  /** NOTIFY=SUCCESS went to a next hop that offered DSN: it owes the success notice now (RFC 3461 §5.2.2). */
  readonly noticePassedOn: boolean;
};

export async function runTransaction(ctx: TransactionContext, req: SendRequest): Promise<SendResult> {
  const { caps, lmtp } = ctx;
  const rcpts: Rcpt[] = req.recipients.map((r) => ({
    address: formatMailbox(r.address),
    command: rcptCommand(r, caps, req.passDsn !== false),
    noticePassedOn: caps.dsn && req.passDsn !== false && Array.isArray(r.notify) && r.notify.includes('SUCCESS'),
  }));
  const message = asParts(req.message);
  const size = partsLength(message);
  const needsUtf8 =
    req.params.smtputf8 === true || (req.mailFrom !== null && !isAsciiMailbox(req.mailFrom)) || req.recipients.some((r) => !isAsciiMailbox(r.address));
  // Checks before a byte is sent: the answer is certain, so the result is ours.
  if (needsUtf8 && !caps.smtputf8) return refuseAll(rcpts, DeliveryReplies.needsSmtputf8());
  if (caps.size !== undefined && caps.size > 0 && size > caps.size) return refuseAll(rcpts, DeliveryReplies.tooBigForServer(caps.size));
  // RFC 8689 §4.2.1: a REQUIRETLS message never goes to a hop that did not offer REQUIRETLS.
  // LMTP is our own final delivery (RFC 2033): nothing to relay on, no requirement.
  if (req.params.requireTls === true && !caps.requireTls && !lmtp) return refuseAll(rcpts, DeliveryReplies.requireTlsNotOffered('the server'));
  const binary = req.params.body === 'BINARYMIME';
  if (binary && (!caps.binaryMime || !caps.chunking || lmtp)) return refuseAll(rcpts, DeliveryReplies.needsBinaryMime());

  const mail = mailCommand(req, caps, needsUtf8, size);
  const useBdat = caps.chunking && !lmtp;
  const results: (RecipientResult | undefined)[] = rcpts.map(() => undefined);
  const rcptReplies: (StageResult | undefined)[] = rcpts.map(() => undefined);
  let stage: Stage = 'mail';
  let last: StageResult | undefined;
  let completed = false;
  const { wire } = ctx;
  try {
    let mailReply: SmtpReply;
    let dataReply: SmtpReply | undefined;
    if (caps.pipelining) {
      // RFC 2920 §3.1: DATA may close the batch; BDAT waits for the RCPT replies
      // so no chunk is sent when nobody will take it.
      wire.write(mail, ...rcpts.map((r) => r.command), ...(useBdat ? [] : ['DATA\r\n']));
      mailReply = await readReply(wire);
      stage = 'rcpt';
      for (let i = 0; i < rcpts.length; i++) rcptReplies[i] = { stage: 'rcpt', reply: await readReply(wire) };
      if (!useBdat) {
        stage = 'data';
        dataReply = await readReply(wire);
      }
    } else {
      wire.write(mail);
      mailReply = await readReply(wire);
      if (mailReply.code < 300) {
        stage = 'rcpt';
        for (let i = 0; i < rcpts.length; i++) {
          wire.write((rcpts[i] as Rcpt).command);
          rcptReplies[i] = { stage: 'rcpt', reply: await readReply(wire) };
        }
      }
    }
    if (mailReply.code >= 300) {
      // The RCPT replies (503 "need MAIL" when pipelined) say nothing about the recipients.
      last = { stage: 'mail', reply: mailReply };
      rcptReplies.fill(undefined);
      await endStrayData(wire, dataReply);
    } else {
      const accepted = rcpts.flatMap((_, i) => (positive(rcptReplies[i]) ? [i] : []));
      if (!caps.pipelining && accepted.length > 0 && !useBdat) {
        stage = 'data';
        wire.write('DATA\r\n');
        dataReply = await readReply(wire);
      }
      if (accepted.length === 0) {
        await endStrayData(wire, dataReply);
      } else if (useBdat) {
        stage = 'bdat';
        last = await sendBdat(ctx, message);
        completed = last.stage === 'bdat' && 'reply' in last && last.reply.code < 300;
      } else if (dataReply && dataReply.code !== 354) {
        last = { stage: 'data', reply: dataReply };
      } else {
        stage = 'dot';
        wire.write(...dataPayload(message));
        await wire.drained();
        if (lmtp) {
          // RFC 2033 §4.2: one reply per accepted recipient, in RCPT order.
          for (const i of accepted) results[i] = decided(rcpts[i] as Rcpt, rcptReplies[i], { stage: 'dot', reply: await wire.read() });
          last = results[accepted[accepted.length - 1] as number]?.result;
        } else {
          last = { stage: 'dot', reply: await wire.read() };
        }
        completed = true;
      }
    }
  } catch (err) {
    if (err instanceof ServiceClosing) last = { stage, reply: err.reply };
    else if (err instanceof WireError) last = { stage, error: { code: err.code, message: err.message } };
    else throw err;
  }
  const recipients = rcpts.map((r, i) => results[i] ?? decided(r, rcptReplies[i], last));
  let reusable = !wire.failure && !(last && 'reply' in last && last.reply.code === 421);
  if (reusable && !completed) reusable = await rset(wire);
  return { recipients, ...(last ? { last } : {}), reusable };
}

/** RFC 2920 §3.1: the server should refuse a pipelined DATA with no valid recipient; if it said 354, end the empty message. */
async function endStrayData(wire: Wire, dataReply: SmtpReply | undefined): Promise<void> {
  if (dataReply?.code !== 354) return;
  wire.write('.\r\n');
  await wire.read();
}

function positive(r: StageResult | undefined): boolean {
  return r !== undefined && 'reply' in r && r.reply.code < 300;
}

/** A recipient's deciding result: its refused RCPT, else the transaction's last result. */
function decided(r: Rcpt, rcpt: StageResult | undefined, last: StageResult | undefined): RecipientResult {
  const refused = rcpt !== undefined && !positive(rcpt);
  const result: StageResult = refused || !last ? (rcpt ?? { stage: 'rcpt', error: { code: 'no-reply', message: 'no RCPT reply' } }) : last;
  const delivered = !refused && (result.stage === 'dot' || result.stage === 'bdat') && 'reply' in result && result.reply.code < 300;
  return { address: r.address, ...(rcpt ? { rcpt } : {}), result, delivered, noticePassedOn: delivered && r.noticePassedOn };
}

function refuseAll(rcpts: readonly Rcpt[], reply: SmtpReply): SendResult {
  const last: StageResult = { stage: 'mail', reply };
  return { recipients: rcpts.map((r) => ({ address: r.address, result: last, delivered: false, noticePassedOn: false })), last, reusable: true };
}

async function sendBdat(ctx: TransactionContext, message: MessageParts): Promise<StageResult> {
  const chunks = bdatChunks(message, ctx.chunkSize);
  const { wire } = ctx;
  if (ctx.caps.pipelining) {
    // RFC 3030 §4.2: BDAT commands may be pipelined; read every reply to stay in step.
    for (const c of chunks) wire.write(c.command, ...c.chunk);
    await wire.drained();
    let firstBad: SmtpReply | undefined;
    let lastReply: SmtpReply | undefined;
    for (let i = 0; i < chunks.length; i++) {
      lastReply = await readReply(wire);
      if (lastReply.code >= 300 && !firstBad) firstBad = lastReply;
    }
    return { stage: 'bdat', reply: firstBad ?? (lastReply as SmtpReply) };
  }
  let reply: SmtpReply | undefined;
  for (const c of chunks) {
    wire.write(c.command, ...c.chunk);
    await wire.drained();
    reply = await readReply(wire);
    if (reply.code >= 300) break;
  }
  return { stage: 'bdat', reply: reply as SmtpReply };
}

async function rset(wire: Wire): Promise<boolean> {
  try {
    wire.write('RSET\r\n');
    const r = await wire.read();
    return r.code === 250 && !wire.failure;
  } catch {
    return false;
  }
}

function mailCommand(req: SendRequest, caps: Capabilities, utf8: boolean, size: number): string {
  let cmd = `MAIL FROM:<${formatMailbox(req.mailFrom)}>`;
  if (caps.size !== undefined) cmd += ` SIZE=${size}`;
  const body = req.params.body;
  // RFC 6152 §3: BODY=8BITMIME only to servers that offer it. Without it the
  // message goes as is, as Postfix does (most servers pass 8-bit data anyway).
  if (body === '8BITMIME' && caps.eightBitMime) cmd += ' BODY=8BITMIME';
  if (body === 'BINARYMIME') cmd += ' BODY=BINARYMIME';
  if (utf8) cmd += ' SMTPUTF8';
  // RFC 8689 §4.2.1: only to a server that offered REQUIRETLS after STARTTLS
  // (session.ts refuses the connection otherwise; this check keeps a pooled
  // connection made without that test from ever carrying the parameter).
  if (req.params.requireTls === true && caps.requireTls) cmd += ' REQUIRETLS';
  if (caps.dsn && req.passDsn !== false) {
    // RFC 3461 §4.3, §4.4: only to servers that offer DSN.
    if (req.params.ret) cmd += ` RET=${req.params.ret}`;
    if (req.params.envid !== undefined) cmd += ` ENVID=${encodeXtext(req.params.envid)}`;
  }
  return cmd + '\r\n';
}

function rcptCommand(r: Recipient, caps: Capabilities, passDsn: boolean): string {
  let cmd = `RCPT TO:<${formatMailbox(r.address)}>`;
  if (caps.dsn && passDsn) {
    if (r.notify !== undefined && r.notify.length > 0) cmd += ` NOTIFY=${r.notify === 'NEVER' ? 'NEVER' : r.notify.join(',')}`;
    if (r.orcpt !== undefined) {
      // RFC 3461 §4.2: ORCPT=addr-type ";" xtext(address).
      const semi = r.orcpt.indexOf(';');
      if (semi > 0) cmd += ` ORCPT=${r.orcpt.slice(0, semi)};${encodeXtext(r.orcpt.slice(semi + 1))}`;
    }
  }
  return cmd + '\r\n';
}
