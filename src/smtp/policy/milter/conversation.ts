import { cstr, packet, uint32, type MilterResponse } from './codec.js';
import type { MilterConnection } from './connection.js';
import { BODY_CHUNK, Cmd, MILTER_VERSION, OFFERED_ACTIONS, OFFERED_PROTOCOL, Proto } from './protocol.js';

/** A received transaction, as the milter is told it (in the order an MTA would, RFC 5321 §3.3). */
export interface MilterTransaction {
  /** Per stage letter (C, H, M, R, E), the macros sent just before that stage's command (SMFIC_MACRO). */
  readonly macros: Readonly<Record<'C' | 'H' | 'M' | 'R' | 'E', ReadonlyArray<readonly [string, string]>>>;
  readonly client: { readonly name: string; readonly family: '4' | '6'; readonly port: number; readonly address: string };
  readonly helo?: string;
  /** "<addr>" (empty for the null sender) and its ESMTP parameters ("BODY=8BITMIME"). */
  readonly mail: readonly string[];
  /** Each accepted recipient: "<addr>" and its parameters. */
  readonly rcpts: readonly (readonly string[])[];
  /** Header fields: name, and value without the leading space, folded lines joined by LF (as Sendmail sends them). */
  readonly headers: readonly (readonly [string, string])[];
  /** The body, CRLF line endings. */
  readonly body: Buffer;
}

/** The end of the conversation: the milter's verdict and its edits (only with `continue`). */
export interface MilterResult {
  readonly verdict: Extract<MilterResponse, { kind: 'continue' | 'accept' | 'reject' | 'tempfail' | 'discard' | 'replycode' }>;
  /** The stage that ended it (logged: "rcpt", "eom"...). */
  readonly stage: string;
  readonly edits: readonly Extract<MilterResponse, { kind: 'addheader' | 'insheader' | 'chgheader' | 'quarantine' }>[];
}

type Final = MilterResult['verdict'];

/**
 * Replays one transaction to a milter over an open connection (libmilter's
 * state machine, MILTER_README "protocol"): OPTNEG, then each stage the
 * milter did not opt out of (SMFIP_NO*), waiting for its reply unless it said
 * it sends none (SMFIP_NR_*), then BODYEOB, whose reply comes after any
 * modifications. `timeoutMs` bounds each wait; SMFIR_PROGRESS restarts it.
 */
export async function converse(conn: MilterConnection, tx: MilterTransaction, timeoutMs: number): Promise<MilterResult> {
  await conn.send(packet(Cmd.optneg, uint32(MILTER_VERSION), uint32(OFFERED_ACTIONS), uint32(OFFERED_PROTOCOL)));
  const neg = await reply(conn, timeoutMs);
  if (neg.kind !== 'optneg') throw new Error(`expected the OPTNEG reply, got ${neg.kind}`);
  if (neg.version < 2 || neg.version > MILTER_VERSION) throw new Error(`milter speaks protocol version ${neg.version}; Baton speaks 2..${MILTER_VERSION}`);
  if ((neg.actions & ~OFFERED_ACTIONS) !== 0) throw new Error(`milter wants actions 0x${neg.actions.toString(16)}, Baton offers 0x${OFFERED_ACTIONS.toString(16)} (no body or envelope changes)`);
  if ((neg.protocol & ~OFFERED_PROTOCOL) !== 0) throw new Error(`milter wants protocol steps 0x${neg.protocol.toString(16)}, Baton offers 0x${OFFERED_PROTOCOL.toString(16)}`);
  const has = (flag: number) => (neg.protocol & flag) !== 0;

  /** Sends a stage's macros and command; its reply when the milter sends one: a final one ends the conversation. */
  const step = async (stage: string, skip: number, noReply: number, cmd: Buffer, macros?: 'C' | 'H' | 'M' | 'R' | 'E'): Promise<Final | 'skip' | undefined> => {
    if (has(skip)) return undefined;
    if (macros && tx.macros[macros].length > 0) await conn.send(packet(Cmd.macro, macros, ...tx.macros[macros].flatMap(([k, v]) => [cstr(k), cstr(v)])));
    await conn.send(cmd);
    if (has(noReply)) return undefined;
    const r = await reply(conn, timeoutMs);
    if (r.kind === 'skip' && stage === 'body' && has(Proto.skip)) return 'skip';
    if (isFinal(r)) return r;
    throw new Error(`unexpected ${r.kind} reply at ${stage}`);
  };
  const ended = (verdict: Final, stage: string): MilterResult => ({ verdict, stage, edits: [] });

  const { client } = tx;
  const steps: [string, number, number, Buffer, ('C' | 'H' | 'M' | 'R')?][] = [
    ['connect', Proto.noConnect, Proto.noReplyConnect, packet(Cmd.connect, cstr(client.name), client.family, portBytes(client.port), cstr(client.address)), 'C'],
    ...(tx.helo !== undefined ? [['helo', Proto.noHelo, Proto.noReplyHelo, packet(Cmd.helo, cstr(tx.helo)), 'H'] as [string, number, number, Buffer, 'H']] : []),
    ['mail', Proto.noMail, Proto.noReplyMail, packet(Cmd.mail, ...tx.mail.map(cstr)), 'M'],
    ...tx.rcpts.map((r) => ['rcpt', Proto.noRcpt, Proto.noReplyRcpt, packet(Cmd.rcpt, ...r.map(cstr)), 'R'] as [string, number, number, Buffer, 'R']),
    ['data', Proto.noData, Proto.noReplyData, packet(Cmd.data)],
    ...tx.headers.map(([n, v]) => ['header', Proto.noHeaders, Proto.noReplyHeader, packet(Cmd.header, cstr(n), cstr(v))] as [string, number, number, Buffer]),
    ['eoh', Proto.noEoh, Proto.noReplyEoh, packet(Cmd.eoh)],
  ];
  for (const [stage, skip, noReply, cmd, macros] of steps) {
    const r = await step(stage, skip, noReply, cmd, macros);
    if (r === 'skip') continue;
    // CONTINUE goes on; ACCEPT at any stage means "no more from me" (smfi docs): the message passes this milter unchanged.
    if (r && r.kind !== 'continue') return ended(r, stage);
  }
  for (let at = 0; at < tx.body.length; at += BODY_CHUNK) {
    const r = await step('body', Proto.noBody, Proto.noReplyBody, packet(Cmd.body, tx.body.subarray(at, at + BODY_CHUNK)));
    if (r === 'skip') break;
    if (r && r.kind !== 'continue') return ended(r, 'body');
  }

  // End of message: modifications, then the verdict (MILTER_README: only at this stage may a milter modify).
  if (tx.macros.E.length > 0) await conn.send(packet(Cmd.macro, 'E', ...tx.macros.E.flatMap(([k, v]) => [cstr(k), cstr(v)])));
  await conn.send(packet(Cmd.bodyEob));
  const edits: MilterResult['edits'][number][] = [];
  for (;;) {
    const r = await reply(conn, timeoutMs);
    switch (r.kind) {
      case 'addheader':
      case 'insheader':
      case 'chgheader':
      case 'quarantine':
        edits.push(r);
        break;
      case 'unoffered':
        throw new Error(`milter sent modification '${r.cmd}', which Baton did not offer`);
      default:
        if (!isFinal(r)) throw new Error(`unexpected ${r.kind} reply at end of message`);
        return { verdict: r, stage: 'eom', edits };
    }
  }
}

/** Tells the milter this message is done and the connection closes (SMFIC_QUIT). */
export async function quit(conn: MilterConnection): Promise<void> {
  await conn.send(packet(Cmd.quit)).catch(() => undefined);
}

/** The next reply that is not SMFIR_PROGRESS (which only restarts the wait). */
async function reply(conn: MilterConnection, timeoutMs: number): Promise<MilterResponse> {
  for (;;) {
    const r = await conn.next(timeoutMs);
    if (r.kind === 'shutdown' || r.kind === 'connfail') throw new Error(`milter ended the conversation (${r.kind})`);
    if (r.kind !== 'progress') return r;
  }
}

function isFinal(r: MilterResponse): r is Final {
  return r.kind === 'continue' || r.kind === 'accept' || r.kind === 'reject' || r.kind === 'tempfail' || r.kind === 'discard' || r.kind === 'replycode';
}

function portBytes(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(port, 0);
  return b;
}
