/**
 * Deadlines on a client's progress (Postfix's smtpd_per_record_deadline and
 * smtpd_min_data_rate). The idle timeout alone does not stop a client that
 * drips one byte every few seconds: each byte resets it. So:
 *
 * - a command line must arrive whole within `limitMs` of its first byte;
 * - message content (DATA, a BDAT chunk) starts with `limitMs`, and each
 *   chunk received earns bytes / minRate more seconds, never more than
 *   `limitMs` ahead of now.
 *
 * One lazy timer: progress only moves the deadline later, so the timer is
 * not reset per chunk; when it fires early it looks again.
 */
export class ProgressDeadline {
  private mode: 'line' | 'content' | undefined;
  private until = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limitMs: number,
    /** Bytes per second. */
    private readonly minRate: number,
    private readonly onExpired: () => void,
  ) {}

  /** Part of a command line is buffered: it must be complete by the deadline (set at its first byte). */
  lineStarted(): void {
    if (this.mode === 'line') return;
    this.begin('line');
  }

  /** A complete line was read. */
  lineDone(): void {
    if (this.mode === 'line') this.mode = undefined;
  }

  /** `bytes` of message content arrived (the first ones start the content deadline). */
  content(bytes: number): void {
    if (this.mode !== 'content') {
      this.begin('content');
      return;
    }
    const now = Date.now();
    this.until = Math.min(now + this.limitMs, this.until + (bytes * 1000) / this.minRate);
  }

  /** The content (or the line) is over. */
  clear(): void {
    this.mode = undefined;
  }

  stop(): void {
    this.mode = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private begin(mode: 'line' | 'content'): void {
    this.mode = mode;
    this.until = Date.now() + this.limitMs;
    if (!this.timer) this.arm(this.limitMs);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), Math.max(1, ms));
    this.timer.unref();
  }

  private check(): void {
    this.timer = undefined;
    if (this.mode === undefined) return;
    const left = this.until - Date.now();
    if (left > 0) return this.arm(left);
    this.mode = undefined;
    this.onExpired();
  }
}
