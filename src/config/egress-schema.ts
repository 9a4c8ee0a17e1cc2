import { z } from 'zod';

/**
 * Egress sources and pools with IP warm-up (issue 14;
 * docs/deliverability.md "Egress and warm-up").
 */
const sourceSchema = z.strictObject({
  /** The source's name in pools, logs and `baton egress status`. */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'source names are 1-64 letters, digits, ".", "_" or "-"'),
  /** Local IP address delivery connections bind. */
  address: z.ipv4().or(z.ipv6()),
  /** EHLO name said from this address (its PTR name). */
  ehlo: z.string().min(1),
});

const poolSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'pool names are 1-64 letters, digits, ".", "_" or "-"'),
  /** Names of sources in `egress.sources`. */
  sources: z.array(z.string()).min(1),
});

export const egressSchema = z.strictObject({
  sources: z.array(sourceSchema).default([]),
  pools: z.array(poolSchema).default([]),
});
