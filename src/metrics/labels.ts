/**
 * Label values must stay bounded (DESIGN §10): a time series per distinct
 * value lives in every scrape for ever. Values that come from a fixed list
 * (classification categories, suppression reasons) are checked against it;
 * values that come from config (check names, providers, webhook endpoints)
 * are capped, and anything past the cap is counted under "other".
 */

/** A value from a fixed list, or `fallback` (a new category in a later release still counts somewhere). */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** Remembers up to `max` distinct values; later new ones map to "other". */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(value);
    return value;
  }
}
