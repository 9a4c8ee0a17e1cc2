import type { ContentScanner } from './content-scanner.js';

/**
 * Reads DATA content (RFC 5321 §4.1.1.4 and §4.5.2): removes dot-stuffing and
 * finds the end of data, which is only <CRLF>.<CRLF>. A line "." ended by a
 * bare LF is not an end: that difference between servers is what SMTP
 * smuggling exploits, so it is reported as `smuggling` and the session closes.
 */
export type DataReadResult =
  | { readonly done: false }
  | { readonly done: true; readonly consumed: number }
  | { readonly done: true; readonly smuggling: true; readonly consumed: number };

const enum State {
  LineStart,
  Text,
  Cr,
  Dot,
  DotCr,
}

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

export class DataReader {
  // The CRLF before the terminating "." belongs to the last line; it is fed to
  // the scanner as soon as it is seen, since a "." line can only follow a line end.
  private state = State.LineStart;
  /** A bare LF was seen at a line end: "\n.\n" or "\n.\r\n" would end data on a lenient server. */
  private afterBareLf = false;

  constructor(private readonly scanner: ContentScanner) {}

  /** Feed a socket chunk; when done, `consumed` bytes of it belonged to the message. */
  feed(chunk: Buffer): DataReadResult {
    let segStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      switch (this.state) {
        case State.LineStart:
          if (b === DOT) {
            // Drop this dot (stuffing), or it starts the terminator.
            this.scanner.push(chunk.subarray(segStart, i));
            segStart = i + 1;
            this.state = State.Dot;
          } else this.state = this.text(b);
          break;
        case State.Text:
          this.state = this.text(b);
          break;
        case State.Cr:
          this.afterBareLf = false;
          this.state = b === LF ? State.LineStart : this.text(b);
          break;
        case State.Dot:
          if (b === CR) this.state = State.DotCr;
          else if (b === LF) return { done: true, smuggling: true, consumed: i + 1 }; // "<LF>.<LF>"-style end
          else this.state = this.text(b);
          break;
        case State.DotCr:
          if (b === LF) {
            return this.afterBareLf ? { done: true, smuggling: true, consumed: i + 1 } : { done: true, consumed: i + 1 };
          }
          // ".<CR>x": a stuffed line starting with a bare CR; the scanner judges it.
          // The CR is inside this chunk's segment unless it ended the previous chunk.
          if (i === 0) this.scanner.push(Buffer.from([CR]));
          this.state = this.text(b);
          break;
      }
    }
    // The CR of an unfinished ".<CR>" is not content yet (it may start the terminator).
    this.scanner.push(chunk.subarray(segStart, this.state === State.DotCr ? chunk.length - 1 : chunk.length));
    return { done: false };
  }

  private text(b: number): State {
    if (b === CR) return State.Cr;
    if (b === LF) {
      this.afterBareLf = true;
      return State.LineStart;
    }
    this.afterBareLf = false;
    return State.Text;
  }
}
