import { assembleReply, parseReplyLine, type ParsedReplyLine, type SmtpReply } from '../../core/index.js';

/**
 * Turns the byte stream from a server into complete replies (RFC 5321 §4.2),
 * whatever the TCP chunking: a reply may arrive split across chunks, and one
 * chunk may hold several replies (pipelining, RFC 2920).
 *
 * Tolerant of what real servers do: bare LF line ends, a trailing space-less
 * "250" line. Strict where it matters: a line that is not a reply, or a reply
 * longer than the limits, is a protocol error (the connection is then unusable).
 */

/** RFC 5321 §4.5.3.1.5 says 512 octets per reply line; real servers go beyond, so allow 8 KiB. */
const MAX_LINE = 8192;
/** Lines in one reply (EHLO lists run to a few dozen). */
const MAX_LINES = 512;

export class ReplyProtocolError extends Error {
  override readonly name = 'ReplyProtocolError';
}

export class ReplyReader {
  private partial: Buffer[] = [];
  private partialLength = 0;
  private lines: ParsedReplyLine[] = [];
  private readonly ready: SmtpReply[] = [];

  /**
   * Feed bytes; complete replies become available through `shift()`.
   * Throws ReplyProtocolError on input that is not SMTP replies.
   */
  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(0x0a, start);
      if (lf === -1) {
        this.partial.push(chunk.subarray(start));
        this.partialLength += chunk.length - start;
        if (this.partialLength > MAX_LINE) throw new ReplyProtocolError(`reply line longer than ${MAX_LINE} bytes`);
        return;
      }
      let line = chunk.subarray(start, lf);
      if (this.partial.length > 0) {
        line = Buffer.concat([...this.partial, line]);
        this.partial = [];
        this.partialLength = 0;
      }
      start = lf + 1;
      if (line.length > MAX_LINE) throw new ReplyProtocolError(`reply line longer than ${MAX_LINE} bytes`);
      const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
      this.line(line.toString('utf8', 0, end));
    }
  }

  /** The next complete reply, or undefined. */
  shift(): SmtpReply | undefined {
    return this.ready.shift();
  }

  /** A complete reply is waiting to be shifted. */
  get hasReply(): boolean {
    return this.ready.length > 0;
  }

  /** Bytes or lines received but not yet a complete reply (STARTTLS must start from a clean slate). */
  get pendingBytes(): number {
    return this.partialLength + this.lines.length + this.ready.length;
  }

  private line(text: string): void {
    const parsed = parseReplyLine(text);
    if (!parsed) throw new ReplyProtocolError(`not an SMTP reply line: ${JSON.stringify(text.slice(0, 80))}`);
    const first = this.lines[0];
    // RFC 5321 §4.2.1: every line of a multi-line reply carries the same code.
    if (first && first.code !== parsed.code) {
      throw new ReplyProtocolError(`reply code changed inside a multi-line reply (${first.code} then ${parsed.code})`);
    }
    this.lines.push(parsed);
    if (this.lines.length > MAX_LINES) throw new ReplyProtocolError(`reply longer than ${MAX_LINES} lines`);
    if (parsed.last) {
      this.ready.push(assembleReply(this.lines));
      this.lines = [];
    }
  }
}
