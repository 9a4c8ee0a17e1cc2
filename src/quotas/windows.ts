/**
 * The counting windows of one user's sending, as pure arithmetic on times
 * from a Clock (so tests move time by hand).
 *
 * Windows are fixed and aligned in UTC: the hour from hh:00 to hh:59:59.999,
 * the day from 00:00 to 23:59:59.999. Fixed windows are what an operator and a
 * sending application can reason about ("100 per hour, the next hour starts
 * at 14:00 UTC", the time the 451 reply names); their known cost is that a
 * sender may send up to twice a limit across a boundary (all at 13:59, all
 * again at 14:00). A sliding window would need a count per minute per user.
 *
 * The baseline is what the user normally sends in an hour: a decaying average
 * of its completed hours, each new hour weighing BASELINE_WEIGHT (1/24: about
 * a day of memory), hours with no mail counting as 0. Containment compares
 * the running hour against it.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Weight of the most recent completed hour in the baseline (exponential moving average). */
export const BASELINE_WEIGHT = 1 / 24;

/** One user's counts in the windows that contain a given time. */
export interface UserCounts {
  /** Start (ms) of the hour these hour counts belong to. */
  readonly hourStart: number;
  readonly hourMessages: number;
  readonly hourRecipients: number;
  /** Start (ms) of the UTC day these day counts belong to. */
  readonly dayStart: number;
  readonly dayMessages: number;
  readonly dayRecipients: number;
  /** Hard bounces of the user's mail reported this day (recipients). */
  readonly dayBounces: number;
  /** Complaints about the user's mail reported this day. */
  readonly dayComplaints: number;
  /** Messages per hour the user normally sends: the decaying average of the hours before `hourStart`. */
  readonly baseline: number;
}

/** What one accepted message, bounce or complaint adds. */
export interface CountsDelta {
  readonly messages?: number;
  readonly recipients?: number;
  readonly bounces?: number;
  readonly complaints?: number;
}

export const startOfHour = (t: number): number => t - mod(t, HOUR_MS);
export const startOfDay = (t: number): number => t - mod(t, DAY_MS);

function mod(t: number, m: number): number {
  return ((t % m) + m) % m;
}

/** A user never seen before, as of `now`. */
export function emptyCounts(now: number): UserCounts {
  return { hourStart: startOfHour(now), hourMessages: 0, hourRecipients: 0, dayStart: startOfDay(now), dayMessages: 0, dayRecipients: 0, dayBounces: 0, dayComplaints: 0, baseline: 0 };
}

/**
 * The counts as of `now`: a window that has ended starts again at zero, and
 * every hour that ended is folded into the baseline (the running hour first,
 * then one 0 for each hour with no mail). A time before the windows (a clock
 * stepped back) leaves them as they are.
 */
export function rollTo(c: UserCounts, now: number): UserCounts {
  const hour = startOfHour(now);
  const day = startOfDay(now);
  if (hour <= c.hourStart && day <= c.dayStart) return c;
  let next: UserCounts = c;
  if (hour > c.hourStart) {
    const ended = Math.round((hour - c.hourStart) / HOUR_MS);
    const afterRunning = c.baseline + BASELINE_WEIGHT * (c.hourMessages - c.baseline);
    // Bounded: a user back after months decays to 0 in a few thousand hours anyway.
    const idle = Math.min(ended - 1, 24 * 365);
    const baseline = afterRunning * (1 - BASELINE_WEIGHT) ** idle;
    next = { ...next, hourStart: hour, hourMessages: 0, hourRecipients: 0, baseline: baseline < 1e-6 ? 0 : baseline };
  }
  if (day > c.dayStart) next = { ...next, dayStart: day, dayMessages: 0, dayRecipients: 0, dayBounces: 0, dayComplaints: 0 };
  return next;
}

/** `c` rolled to `now`, plus `d`. */
export function addCounts(c: UserCounts, d: CountsDelta, now: number): UserCounts {
  const r = rollTo(c, now);
  const m = d.messages ?? 0;
  const n = d.recipients ?? 0;
  return {
    ...r,
    hourMessages: r.hourMessages + m,
    hourRecipients: r.hourRecipients + n,
    dayMessages: r.dayMessages + m,
    dayRecipients: r.dayRecipients + n,
    dayBounces: r.dayBounces + (d.bounces ?? 0),
    dayComplaints: r.dayComplaints + (d.complaints ?? 0),
  };
}
