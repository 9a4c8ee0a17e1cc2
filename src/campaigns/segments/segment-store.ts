import type { SegmentFilter } from './segment-filter.js';

/** A saved segment: a named filter (segment-filter.ts). */
export interface Segment {
  readonly id: number;
  readonly name: string;
  readonly filter: SegmentFilter;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SegmentPreview {
  /** Contacts the filter selects now. */
  readonly count: number;
  /** The first `sample` of them in id order. */
  readonly sample: readonly { id: number; address: string; attributes: Record<string, unknown> }[];
}

/**
 * Saved segments, and the reads over the contacts tables a filter compiles
 * to (DESIGN §9 Store: SQLite and PostgreSQL backends, one contract). The
 * contacts tables belong to contacts/; this store only reads them.
 */
export interface SegmentStore {
  create(s: { name: string; filter: SegmentFilter }, now: number): Promise<Segment>;
  get(id: number): Promise<Segment | undefined>;
  /** In id order, after `after`. */
  list(q: { limit: number; after?: number }): Promise<Segment[]>;
  /** undefined: no such segment. */
  update(id: number, s: { name: string; filter: SegmentFilter }, now: number): Promise<Segment | undefined>;
  /** false: no such segment. */
  delete(id: number): Promise<boolean>;
  /** Count and sample of what `filter` selects, `now` anchoring its `since` conditions. */
  preview(filter: SegmentFilter, sample: number, now: number): Promise<SegmentPreview>;
  /** One contact's address and attributes (template previews), read straight from the contacts table. */
  contact(id: number): Promise<{ address: string; attributes: Record<string, unknown> } | undefined>;
  close(): Promise<void>;
}
