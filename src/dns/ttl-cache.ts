/**
 * A bounded map whose entries expire. Time is passed in (the resolver's Clock), so
 * tests move it by hand. When full, the entry stored first goes: a burst of
 * lookups for many domains cannot grow memory without limit.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { readonly expires: number; readonly value: V }>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, now: number): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires > now) return hit.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Keep `value` until `now + ttlMs`; a ttl of 0 or less stores nothing. */
  set(key: string, value: V, now: number, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key); // re-inserted last: the oldest-first order stays true
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { expires: now + ttlMs, value });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
