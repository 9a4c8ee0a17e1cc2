import { z } from 'zod';
import { SHIPPED_SCHEDULES } from '../delivery/egress/ramps.js';

/**
 * Egress sources and pools with IP warm-up (issue 14;
 * docs/deliverability.md "Egress and warm-up").
 */
const name = (what: string) => z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, `${what} names are 1-64 letters, digits, ".", "_" or "-"`);

/** A UTC calendar day, "2025-01-31": the first day of a warm-up. */
const utcDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is written YYYY-MM-DD')
  .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar day');

/** Recipients per day, from day 1 on; past the last day the source is warm (no limit). */
const dailyVolumes = z.array(z.number().int().min(0).max(1_000_000_000)).min(1).max(366);

/**
 * An explicit ramp: daily volumes per provider (the names of shaping.providers),
 * and `other` for every destination no provider matches.
 */
const explicitRamp = z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a provider name is lower-case letters, digits and "-"'), dailyVolumes).refine((r) => r.other !== undefined, {
  message: 'an explicit ramp needs "other" (the daily volumes for destinations no provider matches)',
});

const scheduleNames = Object.keys(SHIPPED_SCHEDULES) as [string, ...string[]];

const warmupSchema = z.strictObject({
  /** Day 1 of the ramp (UTC). Before it the source sends nothing. */
  start: utcDay,
  /** A shipped schedule by name, or daily volumes per provider. */
  schedule: z.union([z.enum(scheduleNames), explicitRamp]).default('standard'),
});

const sourceSchema = z.strictObject({
  /** The source's name in pools, logs and `baton egress status`. */
  name: name('source'),
  /** Local IP address delivery connections bind. */
  address: z.ipv4().or(z.ipv6()),
  /** EHLO name said from this address (its PTR name). */
  ehlo: z.string().min(1),
  /** Absent: the source is warm (no daily limit). */
  warmup: warmupSchema.optional(),
});

const poolSchema = z.strictObject({
  name: name('pool'),
  /** Names of sources in `egress.sources`. */
  sources: z.array(z.string()).min(1),
  /** Relative share of each source, in the order of `sources` (default: equal). */
  weights: z.array(z.number().positive().max(1_000_000)).optional(),
});

/** Which pool a message's attempts use: its API key, else its user, else its stream, else `default`. */
const selectSchema = z.strictObject({
  /** Pool of mail no rule below picks; absent: such mail uses the host's default address. */
  default: z.string().optional(),
  streams: z.strictObject({ transactional: z.string().optional(), bulk: z.string().optional() }).default({}),
  /** Authenticated user name to pool. */
  users: z.record(z.string(), z.string()).default({}),
  /** API key name to pool. */
  apiKeys: z.record(z.string(), z.string()).default({}),
});

export const egressSchema = z
  .strictObject({
    sources: z.array(sourceSchema).default([]),
    pools: z.array(poolSchema).default([]),
    select: selectSchema.prefault({}),
  })
  .superRefine((egress, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const sources = new Set<string>();
    egress.sources.forEach((s, i) => {
      if (sources.has(s.name)) issue(['sources', i, 'name'], `source "${s.name}" is defined twice`);
      sources.add(s.name);
    });
    const pools = new Set<string>();
    egress.pools.forEach((p, i) => {
      if (pools.has(p.name)) issue(['pools', i, 'name'], `pool "${p.name}" is defined twice`);
      pools.add(p.name);
      p.sources.forEach((s, j) => {
        if (!sources.has(s)) issue(['pools', i, 'sources', j], `pool "${p.name}" names source "${s}", which egress.sources does not define`);
      });
      if (p.weights && p.weights.length !== p.sources.length) issue(['pools', i, 'weights'], `pool "${p.name}" has ${p.sources.length} sources but ${p.weights.length} weights`);
    });
    const pool = (path: (string | number)[], value: string | undefined) => {
      if (value !== undefined && !pools.has(value)) issue(path, `pool "${value}" is not defined in egress.pools`);
    };
    pool(['select', 'default'], egress.select.default);
    pool(['select', 'streams', 'transactional'], egress.select.streams.transactional);
    pool(['select', 'streams', 'bulk'], egress.select.streams.bulk);
    for (const [user, p] of Object.entries(egress.select.users)) pool(['select', 'users', user], p);
    for (const [key, p] of Object.entries(egress.select.apiKeys)) pool(['select', 'apiKeys', key], p);
  });

export type EgressConfig = z.infer<typeof egressSchema>;
export type WarmupConfig = z.infer<typeof warmupSchema>;
