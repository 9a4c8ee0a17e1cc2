import type { ContentScanner } from './content-scanner.js';

/**
 * Reads DATA content (RFC 5321 §4.1.1.4 and §4.5.2): removes dot-stuffing and
 * finds the end of data, which is only <CRLF>.<CRLF>. A line "." ended by a
 * bare LF, or following a line ended by a bare LF, is not an end: that
 * difference between servers is what SMTP smuggling exploits, so it is
 * reported as `smuggling` and the session closes.
 *
 * Work is per line, not per byte: within a line the reader jumps to the next
 * LF with indexOf, and only looks closely at the first bytes of each line.
 */
export type DataReadResult =
  | { readonly done: false }
  | { readonly done: true; readonly consumed: number }
  | { readonly done: true; readonly smuggling: true; readonly consumed: number };

const enum State {
  /** At the first byte of a line. */
  LineStart,
  /** Inside a line. */
  Text,
  /** After a leading "." (dropped as stuffing, or the start of the terminator). */
  Dot,
  /** After a leading ".<CR>". */
  DotCr,
}

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CR_BYTE = Buffer.from([CR]);

export class DataReader {
  private state = State.LineStart;
  /** The line before the current one ended with a bare LF. */
  private afterBareLf = false;
  /** The last byte of the previous chunk was a CR (for a CRLF split across chunks). */
  private lastWasCr = false;

  constructor(private readonly scanner: ContentScanner) {}

  /** Feed a socket chunk; when done, `consumed` bytes of it belonged to the message. */
  feed(chunk: Buffer): DataReadResult {
    const n = chunk.length;
    let segStart = 0;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.LineStart:
          if (chunk[i] === DOT) {
            // Drop this dot (stuffing), or it starts the terminator.
            this.scanner.push(chunk.subarray(segStart, i));
            segStart = ++i;
            this.state = State.Dot;
          } else this.state = State.Text;
          break;
        case State.Text: {
          const lf = chunk.indexOf(LF, i);
          if (lf < 0) {
            i = n;
            break;
          }
          this.afterBareLf = !(lf > 0 ? chunk[lf - 1] === CR : this.lastWasCr);
          this.state = State.LineStart;
          i = lf + 1;
          break;
        }
        case State.Dot: {
          const b = chunk[i];
          if (b === CR) {
            this.state = State.DotCr;
            i++;
          } else if (b === LF) {
            return { done: true, smuggling: true, consumed: i + 1 }; // "<LF>.<LF>"-style end
          } else this.state = State.Text;
          break;
        }
        case State.DotCr:
          if (chunk[i] === LF) {
            return this.afterBareLf ? { done: true, smuggling: true, consumed: i + 1 } : { done: true, consumed: i + 1 };
          }
          // ".<CR>x": a stuffed line starting with a bare CR; the scanner judges it.
          // The CR is inside this chunk's segment unless it ended the previous chunk.
          if (i === 0) this.scanner.push(CR_BYTE);
          this.state = State.Text;
          break;
      }
    }
    this.lastWasCr = n > 0 && chunk[n - 1] === CR;
    // The CR of an unfinished ".<CR>" is not content yet (it may start the terminator).
    this.scanner.push(chunk.subarray(segStart, this.state === State.DotCr ? n - 1 : n));
    return { done: false };
  }
}
