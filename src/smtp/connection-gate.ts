/**
 * The global connection cap with back-pressure (`limits.maxConnections`,
 * `limits.connectionQueue`, `limits.connectionQueueTimeout`).
 *
 * "Stop accepting rather than fall over": ideally the listener would stop
 * calling accept(2) at the cap and leave new clients in the kernel's backlog.
 * Node cannot: a listening socket accepts whenever it is readable, and the
 * only way to stop it is to close it (losing the backlog). So the waiting
 * room is here: past the cap a connection is accepted but not served: not
 * greeted, not read (paused, so the kernel's window fills and the client's
 * bytes stay on its side), costing one descriptor and a few hundred bytes of
 * bookkeeping, until a session ends and frees a slot, oldest first. A client
 * waits for the greeting as RFC 5321 §4.5.3.2.1 lets it (5 minutes). The room
 * is bounded in size and in time; past either, `421 4.7.0`.
 */
export class ConnectionGate {
  private active = 0;
  /** Waiting connections, oldest first (a Set iterates in insertion order and deletes in O(1)). */
  private readonly waiting = new Set<Waiter>();

  constructor(private readonly opts: { readonly max: number; readonly queue: number; readonly queueTimeoutMs: number }) {}

  /**
   * A new connection asks for a slot. `go`: it holds one now. `wait`: `admit`
   * is called when it gets one, or `refuse` when its wait times out or the
   * server stops; `cancel` when the client leaves first. `full`: refuse it.
   */
  enter(admit: () => void, refuse: () => void): { readonly kind: 'go' } | { readonly kind: 'wait'; readonly cancel: () => void } | { readonly kind: 'full' } {
    if (this.active < this.opts.max && this.waiting.size === 0) {
      this.active++;
      return { kind: 'go' };
    }
    if (this.waiting.size >= this.opts.queue) return { kind: 'full' };
    const waiter: Waiter = { admit, refuse, timer: undefined };
    waiter.timer = setTimeout(() => {
      if (this.waiting.delete(waiter)) refuse();
    }, this.opts.queueTimeoutMs);
    waiter.timer.unref();
    this.waiting.add(waiter);
    return {
      kind: 'wait',
      cancel: () => {
        if (this.waiting.delete(waiter)) clearTimeout(waiter.timer);
      },
    };
  }

  /** A session ended: its slot goes to the oldest waiting connection. */
  leave(): void {
    this.active--;
    for (const next of this.waiting) {
      if (this.active >= this.opts.max) break;
      this.waiting.delete(next);
      clearTimeout(next.timer);
      this.active++;
      next.admit();
    }
  }

  /** The server stops: every waiting connection is refused. */
  refuseWaiting(): void {
    for (const w of [...this.waiting]) {
      this.waiting.delete(w);
      clearTimeout(w.timer);
      w.refuse();
    }
  }

  /** Sessions being served, and connections waiting (logs, tests, a metric later). */
  counts(): { readonly active: number; readonly waiting: number } {
    return { active: this.active, waiting: this.waiting.size };
  }
}

interface Waiter {
  readonly admit: () => void;
  readonly refuse: () => void;
  timer: NodeJS.Timeout | undefined;
}
