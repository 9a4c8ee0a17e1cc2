/**
 * A loop's sleep that `wake()` can cut short — but not before `minGapMs`, so
 * that a burst of wake-ups (one per accepted message) becomes one round of
 * work over a batch instead of a round per message.
 */
export class Waker {
  private wakeUp: (() => void) | undefined;
  private stopped = false;

  sleep(ms: number, minGapMs = 0): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const start = Date.now();
    return new Promise((resolve) => {
      let timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = () => {
        const left = minGapMs - (Date.now() - start);
        if (left <= 0 || this.stopped) return done();
        clearTimeout(timer);
        timer = setTimeout(done, left);
      };
    });
  }

  wake(): void {
    this.wakeUp?.();
  }

  /** End the current sleep and make later ones return at once. */
  stop(): void {
    this.stopped = true;
    this.wakeUp?.();
  }
}
