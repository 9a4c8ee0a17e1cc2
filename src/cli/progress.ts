/**
 * A progress line for long CLI operations (bulk queue actions, suppression
 * import), on standard error and only on a terminal: piped or redirected
 * output stays clean for scripts. Written here rather than taken from
 * cli-progress: one redrawn line is ~50 lines of code, and cli-progress
 * (last release 2023) would bring its own terminal handling and types for it.
 */

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

export interface Progress {
  /** `done` items so far (absolute, not an increment). */
  update(done: number): void;
  /** Write `text` (to stdout, say) without tearing the bar: clear it, write, draw it again. */
  around(write: (text: string) => void): (text: string) => void;
  /** Draw the final state and end the line. */
  finish(): void;
}

/** Shows nothing (one message, or output not on a terminal). */
export const noProgress: Progress = { update: () => undefined, around: (write) => write, finish: () => undefined };
/** Redraws at most this often: a terminal repainting per item would cost more than the work. */
const REDRAW_MS = 100;

/**
 * A progress bar (`total` known) or a running count (`total` undefined) on
 * `stream` when it is a terminal; a no-op otherwise.
 */
export function progress(label: string, total: number | undefined, stream: ProgressStream = process.stderr, now: () => number = Date.now): Progress {
  if (stream.isTTY !== true) return noProgress;
  let done = 0;
  let drawnAt = -Infinity;
  let shown = false;
  const draw = () => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 30));
    let line: string;
    if (total !== undefined && total > 0) {
      const ratio = Math.min(1, done / total);
      const full = Math.round(ratio * width);
      line = `${label} [${'#'.repeat(full)}${'-'.repeat(width - full)}] ${Math.floor(ratio * 100)}% ${done}/${total}`;
    } else line = `${label} ${done}…`;
    // \r and erase-to-end-of-line (ECMA-48 EL, CSI K): redraw in place.
    stream.write(`\r${line}\x1b[K`);
    shown = true;
    drawnAt = now();
  };
  const clear = () => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  };
  return {
    update(n) {
      done = n;
      if (now() - drawnAt >= REDRAW_MS) draw();
    },
    around(write) {
      return (text) => {
        clear();
        write(text);
        draw();
      };
    },
    finish() {
      draw();
      stream.write('\n');
    },
  };
}
