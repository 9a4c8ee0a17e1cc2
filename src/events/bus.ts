import type { BatonEvent, EventType } from './types.js';

type Listener = (event: BatonEvent) => void;

/**
 * Fan-out of committed events inside this process (logs, the DSN finisher).
 * The store publishes an event only after the commit that wrote it, so a
 * listener never acts on a change that could still be rolled back. Consumers
 * in other processes, or that must not miss an event across a restart, read
 * the store by cursor instead (`EventStore.readEvents`).
 */
export class EventBus {
  private readonly listeners = new Map<EventType, Listener[]>();

  /** @param onError a listener that throws is reported here; the others still run. */
  constructor(private readonly onError: (err: unknown, event: BatonEvent) => void = () => {}) {}

  /** Call `listener` for every committed event of these types; returns the unsubscribe function. */
  subscribe(types: readonly EventType[], listener: Listener): () => void {
    for (const t of types) this.listeners.set(t, [...(this.listeners.get(t) ?? []), listener]);
    return () => {
      for (const t of types) this.listeners.set(t, (this.listeners.get(t) ?? []).filter((l) => l !== listener));
    };
  }

  /** Is anyone listening for this type? (lets a publisher skip work nobody reads) */
  wants(type: EventType): boolean {
    return (this.listeners.get(type)?.length ?? 0) > 0;
  }

  publish(events: readonly BatonEvent[]): void {
    for (const event of events) {
      const list = this.listeners.get(event.type);
      if (!list) continue;
      for (const listener of list) {
        try {
          listener(event);
        } catch (err) {
          this.onError(err, event);
        }
      }
    }
  }
}
