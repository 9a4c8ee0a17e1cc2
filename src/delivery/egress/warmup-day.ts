import type { Ramp } from './ramps.js';
import { SHIPPED_SCHEDULES } from './ramps.js';

const DAY_MS = 86_400_000;

/** The UTC day of `now`, "2025-01-31": the key of a day's counts (warm-up days are UTC days). */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Days since 1970-01-01 (UTC) of `now`: the same day as utcDay(), cheaper to compare. */
export function dayIndex(now: number): number {
  return Math.floor(now / DAY_MS);
}

/** The start of the next UTC day after `now` (when a spent allowance is renewed). */
export function nextUtcDay(now: number): number {
  return (Math.floor(now / DAY_MS) + 1) * DAY_MS;
}

/** Milliseconds of a "YYYY-MM-DD" day's UTC midnight (parse once: the throttle asks per attempt). */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** Day number of the warm-up on `now`: 1 on the start day, 0 or less before it. `start`: a day, or its dayStart(). */
export function warmupDayNumber(start: string | number, now: number): number {
  const startMs = typeof start === 'number' ? start : dayStart(start);
  return Math.floor(now / DAY_MS) - Math.floor(startMs / DAY_MS) + 1;
}

/** A named shipped schedule or an explicit one (config `warmup.schedule`). */
export function rampOf(schedule: string | Ramp): Ramp {
  if (typeof schedule !== 'string') return schedule;
  const shipped = SHIPPED_SCHEDULES[schedule];
  if (!shipped) throw new Error(`unknown warm-up schedule "${schedule}" (shipped: ${Object.keys(SHIPPED_SCHEDULES).join(', ')})`);
  return shipped;
}

/**
 * Recipients the source may send to `provider` on warm-up day `day`: 0 before
 * the start, the ramp's entry (the provider's, else `other`'s) during it, and
 * undefined (no limit) once the ramp is over.
 */
export function allowanceOn(ramp: Ramp, provider: string, day: number): number | undefined {
  if (day < 1) return 0;
  const days = ramp[provider] ?? ramp.other ?? [];
  return day <= days.length ? days[day - 1] : undefined;
}

/** How many days the ramp of `provider` lasts. */
export function rampLength(ramp: Ramp, provider: string): number {
  return (ramp[provider] ?? ramp.other ?? []).length;
}
