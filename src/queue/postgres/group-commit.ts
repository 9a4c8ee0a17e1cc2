/**
 * The gathering half of a group commit (DESIGN §5), shared by the enqueue and record batchers:
 * items submitted in the same tick, and those that arrive while a statement is in flight, wait
 * in `queue`; each round `take` picks the next batch (and leaves the rest in `queue`) and
 * `write` runs it as one statement.
 */
export abstract class GroupCommit<T> {
  protected queue: T[] = [];
  private running: Promise<void> | undefined;

  protected submitItem(item: T): void {
    this.queue.push(item);
    // Items submitted in the same tick travel in one statement.
    this.running ??= new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => this.drain());
  }

  /** Resolves when nothing is queued or in flight (close). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.write(this.take());
    } finally {
      this.running = undefined;
    }
  }

  protected abstract take(): T[];
  protected abstract write(batch: readonly T[]): Promise<void>;
}
