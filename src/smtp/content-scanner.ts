import { isAscii } from 'node:buffer';

/**
 * Collects message content as it streams in, for DATA and BDAT alike, and
 * keeps the framing safe while it does: the size limit, the shared memory
 * budget, and bare CR / bare LF (SMTP smuggling, CVE-2023-51764 family:
 * rejected, or normalised to CRLF) are enforced here, in the stream, because
 * content past them is either unbounded or ambiguous on the wire.
 *
 * Everything else about the content is measured, not judged: where the first
 * NUL, the first 8-bit octet and the first over-long line are (`ContentFacts`).
 * The content checks decide on those (DESIGN §9 Check: `message-format`).
 * The client cannot be answered mid-stream (RFC 5321 §4.1.1.4), so any verdict
 * comes after the end of the message.
 */

/** What stops collecting: the message can only be refused. */
export type ContentProblem = 'too-big' | 'bare-line-ending' | 'no-memory';

/**
 * Offsets, in content octets received, of the first occurrence of each
 * finding; absent when there is none. The same for any split of the stream.
 */
export interface ContentFacts {
  readonly firstNul?: number;
  readonly firstEightBit?: number;
  /** The octet that made a line longer than `maxLine` (CRLF included). */
  readonly firstLongLine?: number;
}

/**
 * Bytes of message content held in memory by all sessions together: past it,
 * new content is refused with 452 4.3.1 instead of growing without bound.
 */
export class MemoryBudget {
  private used = 0;
  constructor(readonly limit: number) {}
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
  get inUse(): number {
    return this.used;
  }
}

export interface ContentRules {
  readonly maxSize: number;
  /** Longest line in bytes including CRLF; a longer one is noted in the facts. */
  readonly maxLine: number;
  /** Rewrite bare CR and bare LF as CRLF instead of rejecting. */
  readonly normalizeBareLineEndings: boolean;
  /** Shared by all sessions; absent in unit tests. */
  readonly budget?: MemoryBudget;
}

export type ScanResult = { ok: true; message: Buffer; facts: ContentFacts } | { ok: false; problem: ContentProblem };

const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n');

export class ContentScanner {
  private readonly parts: Buffer[] = [];
  private stored = 0;
  private lineLength = 0;
  /** Content octets seen (before normalisation): the offsets of the facts. */
  private received = 0;
  private pendingCr = false;
  private problemFound: ContentProblem | undefined;
  private firstNul: number | undefined;
  private firstEightBit: number | undefined;
  private firstLongLine: number | undefined;
  /** Bytes taken from the budget and not yet given back. */
  private held = 0;

  constructor(private readonly rules: ContentRules) {}

  get problem(): ContentProblem | undefined {
    return this.problemFound;
  }

  /** Bytes received and kept so far. */
  get size(): number {
    return this.stored;
  }

  /** Feed unstuffed content bytes. The buffer is kept, not copied: the caller must not reuse it. */
  push(chunk: Buffer): void {
    if (this.problemFound !== undefined || chunk.length === 0) return;
    if (this.fastPath(chunk)) return;
    this.pushByByte(chunk);
  }

  /**
   * The common case, checked per line with native scans instead of per byte:
   * every CR followed by LF and every LF preceded by CR, within the size
   * limit. Anything else goes the slow way, which also normalises and names
   * the problem. NULs and 8-bit octets are only located, once per message.
   */
  private fastPath(chunk: Buffer): boolean {
    const n = chunk.length;
    if (this.received + n > this.rules.maxSize) return false;
    const maxText = this.rules.maxLine - 2;
    let lineLength = this.lineLength;
    let pendingCr = this.pendingCr;
    let longLine = this.firstLongLine;
    let pos = 0;
    if (pendingCr) {
      if (chunk[0] !== LF) return false;
      pendingCr = false;
      lineLength = 0;
      pos = 1;
    }
    while (pos < n) {
      const lf = chunk.indexOf(LF, pos);
      const end = lf < 0 ? n : lf;
      // Within [pos, end) a CR may only be the last byte: before the LF, or at the chunk's end.
      const cr = chunk.indexOf(CR, pos);
      if (cr >= 0 && cr < end && cr !== end - 1) return false;
      const endsWithCr = cr === end - 1 && cr >= pos;
      if (lf >= 0 && !endsWithCr) return false; // bare LF
      const text = end - pos - (endsWithCr ? 1 : 0);
      if (longLine === undefined && lineLength + text > maxText) longLine = this.received + pos + (maxText - lineLength);
      lineLength += text;
      if (lf < 0) {
        pendingCr = endsWithCr;
        break;
      }
      lineLength = 0;
      pos = lf + 1;
    }
    this.noteOctets(chunk);
    this.received += n;
    this.lineLength = lineLength;
    this.pendingCr = pendingCr;
    this.firstLongLine = longLine;
    this.keep(chunk);
    return true;
  }

  /** Locate the first NUL and 8-bit octet of the message in `chunk`, if not found yet (before `received` counts it). */
  private noteOctets(chunk: Buffer): void {
    if (this.firstNul === undefined) {
      const nul = chunk.indexOf(0);
      if (nul >= 0) this.firstNul = this.received + nul;
    }
    if (this.firstEightBit === undefined && !isAscii(chunk)) {
      for (let i = 0; i < chunk.length; i++) {
        if ((chunk[i] as number) >= 0x80) {
          this.firstEightBit = this.received + i;
          break;
        }
      }
    }
  }

  private pushByByte(chunk: Buffer): void {
    let segStart = 0;
    const { maxLine, normalizeBareLineEndings: normalize } = this.rules;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (++this.received > this.rules.maxSize) return this.fail('too-big');
      if (this.pendingCr) {
        this.pendingCr = false;
        if (b === LF) {
          this.lineLength = 0;
          continue;
        }
        // Bare CR: the CR is already in the segment; add the missing LF.
        if (!normalize) return this.fail('bare-line-ending');
        this.keep(chunk.subarray(segStart, i));
        this.keep(Buffer.from([LF]));
        segStart = i;
        this.lineLength = 0;
      }
      if (b === CR) {
        this.pendingCr = true;
        continue;
      }
      if (b === LF) {
        if (!normalize) return this.fail('bare-line-ending');
        this.keep(chunk.subarray(segStart, i));
        this.keep(CRLF);
        segStart = i + 1;
        this.lineLength = 0;
        continue;
      }
      const at = this.received - 1;
      if (++this.lineLength > maxLine - 2) this.firstLongLine ??= at;
      if (b === 0) this.firstNul ??= at;
      if (b >= 0x80) this.firstEightBit ??= at;
    }
    this.keep(chunk.subarray(segStart));
  }

  /** Call at the end of the message; returns the content and its facts, or the problem that stopped it. */
  finish(): ScanResult {
    if (this.problemFound === undefined && this.pendingCr) {
      // A CR as the very last byte (BDAT) is a bare CR.
      if (!this.rules.normalizeBareLineEndings) this.fail('bare-line-ending');
      else this.keep(Buffer.from([LF]));
    }
    if (this.problemFound !== undefined) return { ok: false, problem: this.problemFound };
    const message = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.stored);
    // The message now belongs to the caller (intake holds it only until its commit).
    this.release();
    return { ok: true, message, facts: this.facts() };
  }

  private facts(): ContentFacts {
    return {
      ...(this.firstNul !== undefined ? { firstNul: this.firstNul } : {}),
      ...(this.firstEightBit !== undefined ? { firstEightBit: this.firstEightBit } : {}),
      ...(this.firstLongLine !== undefined ? { firstLongLine: this.firstLongLine } : {}),
    };
  }

  /** Give the held bytes back to the budget (idempotent; the session calls it on close). */
  release(): void {
    this.parts.length = 0;
    this.rules.budget?.give(this.held);
    this.held = 0;
  }

  private keep(buf: Buffer): void {
    if (buf.length === 0 || this.problemFound !== undefined) return;
    this.stored += buf.length;
    if (this.stored > this.rules.maxSize) {
      this.fail('too-big');
      return;
    }
    if (this.rules.budget) {
      if (!this.rules.budget.take(buf.length)) {
        this.fail('no-memory');
        return;
      }
      this.held += buf.length;
    }
    // Kept without a copy: socket reads arrive in fresh buffers (no `onread`
    // buffer reuse), and intake copies the content once into its final place.
    this.parts.push(buf);
  }

  private fail(problem: ContentProblem): void {
    this.problemFound = problem;
    this.release();
  }
}
