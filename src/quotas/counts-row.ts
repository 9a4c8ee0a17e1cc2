import type { UserCounts } from './windows.js';

/** A `sending_counters` row's counts and their mapping, shared by the SQLite and PostgreSQL counters (same columns in both). */
export interface CountsRow {
  readonly hour_start: number;
  readonly hour_messages: number;
  readonly hour_recipients: number;
  readonly day_start: number;
  readonly day_messages: number;
  readonly day_recipients: number;
  readonly day_bounces: number;
  readonly day_complaints: number;
  readonly baseline: number;
}

export function fromRow(r: CountsRow): UserCounts {
  return {
    hourStart: r.hour_start,
    hourMessages: r.hour_messages,
    hourRecipients: r.hour_recipients,
    dayStart: r.day_start,
    dayMessages: r.day_messages,
    dayRecipients: r.day_recipients,
    dayBounces: r.day_bounces,
    dayComplaints: r.day_complaints,
    baseline: r.baseline,
  };
}
