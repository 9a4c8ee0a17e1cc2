import { z } from 'zod';
import { parseDuration } from '../core/index.js';
import { duration } from './values.js';

/**
 * Milters (Sendmail milter protocol v6: OpenDKIM, OpenDMARC, rspamd's proxy
 * in milter mode...), asked in this order by the `milter` check at the
 * content stage (Postfix: smtpd_milters). None by default.
 */
const milterSchema = z.strictObject({
  /** The name logs and events show. */
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'must be 1-64 letters, digits, ".", "_" or "-"' }),
  /** "unix:/path/to/socket" or "inet:host:port" (Postfix's forms; inet:[::1]:port for IPv6). */
  socket: z
    .string()
    .refine(validSocket, { message: 'must be "unix:/absolute/path" or "inet:host:port" (port 1-65535)' }),
  /** Longest wait for the connection and for each reply; the milter's PROGRESS restarts it (Postfix: milter_command_timeout 30s). */
  timeout: duration('100ms', '10m').default(parseDuration('30s')),
  /** Longest the whole conversation about one message may take (Postfix: milter_content_timeout 300s). */
  messageTimeout: duration('1s', '1h').default(parseDuration('5m')),
  /** closed: 451 4.3.0 while the milter is down, slow or speaks nonsense (the client retries); open: go on without it (logged). */
  onFailure: z.enum(['open', 'closed']).default('closed'),
  /** Ask the milter about clients in `relay.trustedNetworks` too (a signing milter needs them; off keeps the relay's hot path free). */
  scanTrusted: z.boolean().default(false),
});

function validSocket(s: string): boolean {
  if (/^unix:\/./.test(s)) return true;
  const m = /^inet:(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 65535;
}

export const miltersSchema = z
  .array(milterSchema)
  .refine((l) => new Set(l.map((m) => m.name)).size === l.length, { message: 'each milter needs a name of its own' })
  .default([]);

export type MilterConfig = z.output<typeof milterSchema>;
