import { z } from 'zod';
import { parseDuration } from '../core/index.js';
import { hostPort } from './schema.js';
import { duration } from './values.js';

/**
 * Content scanners (DESIGN §9 Check, content stage): where the `rspamd` and
 * `clamav` checks find their daemons, how long they wait, and what an outage
 * means. The checks run only on the roles whose `checks.<role>` list names
 * them; none does by default, since each needs a server of its own.
 */

/** What a scanner that is down, slow or answers nonsense means for the message. */
const onFailure = z.enum(['open', 'closed']);

const rspamdSchema = z.strictObject({
  /** rspamd's normal worker (or its proxy in self-scan mode); Baton posts to `<url>/checkv2`. */
  url: z
    .string()
    .refine((s) => URL.canParse(s) && new URL(s).protocol === 'http:', { message: 'must be an http:// URL, e.g. "http://127.0.0.1:11333"' })
    .default('http://127.0.0.1:11333'),
  /** Longest a scan may take; past it `onFailure` applies. rspamd's own task_timeout is 8s. */
  timeout: duration('100ms', '10m').default(parseDuration('15s')),
  /** open: accept the message unscanned (logged); closed: 451 4.3.0, the client retries. */
  onFailure: onFailure.default('open'),
  /** Scan clients in `relay.trustedNetworks` too (off: they are our own apps, and the relay's hot path). */
  scanTrusted: z.boolean().default(false),
});

const clamavSchema = z.strictObject({
  /** clamd's socket: a unix socket path (Debian: /var/run/clamav/clamd.ctl) or "host:port" (its TCPSocket). */
  socket: z
    .string()
    // hostPort is read when a config is parsed, not at import (schema.ts imports this file).
    .refine((s) => s.startsWith('/') || hostPort.safeParse(s).success, { message: 'must be an absolute unix socket path or "host:port"' })
    .default('/var/run/clamav/clamd.ctl'),
  timeout: duration('100ms', '10m').default(parseDuration('30s')),
  /** closed: 451 4.3.0 while clamd is down (no unscanned mail); open: accept unscanned (logged). */
  onFailure: onFailure.default('closed'),
  scanTrusted: z.boolean().default(false),
});

export const scannersSchema = z.strictObject({
  rspamd: rspamdSchema.prefault({}),
  clamav: clamavSchema.prefault({}),
});

export type ScannersConfig = z.output<typeof scannersSchema>;
export type RspamdConfig = ScannersConfig['rspamd'];
export type ClamavConfig = ScannersConfig['clamav'];
