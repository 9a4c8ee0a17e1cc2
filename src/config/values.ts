import { z } from 'zod';
import { parseDuration, parseRate, parseSize } from '../core/index.js';

/** A human-written value ("15m", "25MB", "600/min", or a plain number) parsed once, within bounds. */
export const human = (parse: (v: string | number) => number, min: string, max: string) =>
  z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      try {
        return parse(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .refine((n) => n >= parse(min) && n <= parse(max), { message: `must be between ${min} and ${max}` });

export const duration = (min: string, max: string) => human(parseDuration, min, max);
export const size = (min: string, max: string) => human(parseSize, min, max);
/** Events per second, written "600/min", "10/s", "5000/h". */
export const rate = (min: string, max: string) =>
  human((v) => (typeof v === 'number' ? v : parseRate(v)), min, max);

export const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const domainPattern = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;

export const domainName = z
  .string()
  .transform((s) => s.toLowerCase())
  .refine((s) => domainPattern.test(s.startsWith('*.') ? s.slice(2) : s), {
    message: 'must be a domain name (a leading "*." matches subdomains)',
  });
