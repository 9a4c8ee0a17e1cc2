/** Human durations and sizes for the config ("15m", "5d", "10MB"), parsed once at load. */

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "15m", "1h30m", "5d", or a number of milliseconds. */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return text;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? 0);
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new SyntaxError(`Cannot parse duration "${text}": use a number with ms, s, m, h or d, e.g. "15m"`);
  }
  return Math.round(total);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** "10MB", "512k", "1048576", or a number of bytes. Binary multiples. */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = SIZE_UNITS[(m?.[2] ?? 'x').toLowerCase()];
  if (!m || unit === undefined) {
    throw new SyntaxError(`Cannot parse size "${text}": use a number with an optional unit k, MB, GB, e.g. "10MB"`);
  }
  return Math.round(Number(m[1]) * unit);
}

const RATE_UNITS: Record<string, number> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600, d: 86_400, day: 86_400 };

/** "600/min", "10/s", "5000/h", "100000/d": events per second. */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)\s*$/i.exec(text);
  const per = RATE_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || per === undefined || Number(m[1]) <= 0) {
    throw new SyntaxError(`Cannot parse rate "${text}": use a count per s, min, h or d, e.g. "600/min"`);
  }
  return Number(m[1]) / per;
}

/** A rate per second as people write it: "600/min". */
export function formatRate(perSecond: number): string {
  if (perSecond * 60 >= 1) return `${Math.round(perSecond * 60 * 10) / 10}/min`;
  return `${Math.round(perSecond * 3600 * 10) / 10}/h`;
}

/** A duration as its largest unit: 45s, 12m, 3h, 2d. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
