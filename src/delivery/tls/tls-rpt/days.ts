/** UTC days as RFC 8460 reports count them (§4.4 date-range: a whole UTC day). */
const DAY_MS = 86_400_000;

/** YYYY-MM-DD of the UTC day holding `ms`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The first millisecond of a YYYY-MM-DD UTC day; throws on anything else. */
export function dayStart(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || utcDay(ms) !== day) throw new Error(`"${day}" is not a day: give YYYY-MM-DD (UTC)`);
  return ms;
}

export function nextDay(day: string): string {
  return utcDay(dayStart(day) + DAY_MS);
}

export function previousDay(day: string): string {
  return utcDay(dayStart(day) - DAY_MS);
}
