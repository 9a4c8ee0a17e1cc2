import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDuration, parseMailbox, parseSize } from '../core/index.js';
import { authSchema } from './auth-schema.js';
import { bouncesSchema, complaintsSchema } from './bounces-schema.js';
import { dnsblSchema, greylistSchema, heloSchema } from './client-reputation-schema.js';
import { authFailuresSchema, pregreetSchema, rateLimitsSchema } from './defences-schema.js';
import { dkimSchema } from './dkim-schema.js';
import { egressSchema } from './egress-schema.js';
import { daneSchema, mtaStsSchema, requireTlsSchema, tlsRptSchema } from './outbound-tls-schema.js';
import { scannersSchema } from './scanners-schema.js';
import { miltersSchema } from './milters-schema.js';
import { containmentSchema, quotasSchema } from './quotas-schema.js';
import { shapingSchema } from './shaping-schema.js';
import { bulkSchema, unsubscribeSchema } from './unsubscribe-schema.js';
import { apiSchema } from './api-schema.js';
import { campaignsSchema } from './campaigns-schema.js';
import { webhooksSchema } from './webhooks-schema.js';
import { domainName, domainPattern, duration, int, size } from './values.js';

/**
 * The one configuration schema (DESIGN §6): types, defaults, bounds and the
 * documentation text come from here. Unknown keys and out-of-range values fail
 * at start with the key path; nothing warns and falls back.
 */

/** "host:port", "[v6]:port" or "v4:port". */
export const hostPort = z.string().refine((s) => splitHostPort(s) !== undefined, {
  message: 'must be "host:port" (IPv6 as "[::1]:port")',
});

export function splitHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

const cidr = z.string().refine(
  (s) => {
    const [ip, bits, extra] = s.split('/');
    const family = isIP(ip ?? '');
    if (family === 0 || extra !== undefined) return false;
    if (bits === undefined) return true;
    const n = Number(bits);
    return Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128);
  },
  { message: 'must be an IP address or CIDR block, e.g. "10.0.0.0/8" or "::1/128"' },
);

export const listenerSchema = z.strictObject({
  /** Where to listen, "127.0.0.1:2525" or "[::1]:2525". */
  address: hostPort,
  /**
   * mx: mail from anyone for local and relay domains, relaying only for trusted
   * networks or authenticated clients. submission: STARTTLS, AUTH required before
   * MAIL (RFC 6409). submissions: the same on implicit TLS (RFC 8314).
   */
  role: z.enum(['mx', 'submission', 'submissions']),
  /** Allow AUTH without TLS. Honoured only for clients on loopback. */
  allowPlaintextAuth: z.boolean().default(false),
});

export const tlsSchema = z.strictObject({
  /** PEM certificate chain; when both are absent a self-signed pair is made in the data directory. */
  cert: z.string().optional(),
  key: z.string().optional(),
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
});

export const limitsSchema = z.strictObject({
  /** Largest message accepted (SIZE, RFC 1870). Postfix: message_size_limit 10240000. */
  messageSize: size('1k', '1g').default(parseSize('25MB')),
  /**
   * Message content held in memory by all sessions together while it arrives;
   * beyond it new content gets 452 4.3.1 (try later) instead of exhausting memory.
   */
  messageMemory: size('1MB', '64GB').default(parseSize('1GB')),
  /** Recipients per message; more get 452 4.5.3. Postfix: smtpd_recipient_limit 1000. */
  recipientsPerMessage: int(1, 100_000).default(1000),
  /** Longest message line in bytes including CRLF; longer ones are rejected. RFC 5321 §4.5.3.1.6 says 1000; Postfix allows 2048. */
  lineLength: int(1000, 1_000_000).default(2048),
  /** Close a client that says nothing for this long. Postfix: smtpd_timeout 300s. */
  idleTimeout: duration('1s', '1h').default(parseDuration('5m')),
  /** Longest SMTP session. */
  sessionTimeout: duration('10s', '24h').default(parseDuration('30m')),
  /** Simultaneous connections from one client IP; trusted networks are exempt. Postfix: smtpd_client_connection_count_limit 50. */
  connectionsPerClient: int(1, 100_000).default(50),
  /**
   * Simultaneous connections in all (sessions being served). Past it new
   * connections wait, not greeted and not read, for a free slot
   * (`connectionQueue`): back-pressure instead of refusal.
   */
  maxConnections: int(1, 1_000_000).default(1000),
  /** Connections that may wait for a slot past `maxConnections`; beyond them 421 4.7.0. 0: refuse at once. */
  connectionQueue: int(0, 100_000).default(200),
  /** Longest a connection waits for a slot before it gets 421 4.7.0. */
  connectionQueueTimeout: duration('1s', '10m').default(parseDuration('60s')),
  /**
   * Wait this long before the greeting; a client that talks first is dropped
   * (Postfix postscreen's pregreet test). 0 sends the greeting at once.
   */
  greetingDelay: duration('0s', '30s').default(0),
  /** Errors in one session before it is closed. Postfix: smtpd_hard_error_limit 20. */
  errorsBeforeDisconnect: int(1, 1000).default(20),
  /**
   * A command line must arrive whole within this time from its first byte,
   * however slowly it drips in (Postfix: smtpd_per_record_deadline with
   * smtpd_timeout); past it the client gets 421 4.4.2.
   */
  commandTimeout: duration('1s', '1h').default(parseDuration('5m')),
  /**
   * Least rate of message content in DATA and BDAT, in bytes per second: each
   * chunk earns more time, up to `commandTimeout` (Postfix: smtpd_min_data_rate 500).
   */
  minDataRate: int(1, 1_000_000_000).default(500),
  /** Longest an asynchronous check may take (DNS lists, scanners) before its failure rule applies. */
  checkTimeout: duration('100ms', '10m').default(parseDuration('30s')),
});

/**
 * The inbound checks Baton ships (DESIGN §9 Check), by the names `checks`
 * uses; smtp/policy/checks/index.ts implements exactly these.
 */
export const CHECK_NAMES = [
  'sender-ownership', 'relay-access', 'local-recipients', 'message-format', 'hop-limit', 'mail-auth', 'report-addresses', 'suppression',
  // Users' sending quotas and containment (docs/deliverability.md#quotas).
  'sending-quota', 'recipient-quota', 'containment',
  // Content scanners (config `scanners`): off by default, each needs its daemon.
  'rspamd', 'clamav',
  // Client reputation (docs/security.md): DNS lists, HELO, unknown sender domains, greylisting.
  'dnsbl', 'helo', 'unknown-sender', 'greylist',
  // Connection-stage defences (defences-schema.ts, docs/security.md).
  'connection-rate', 'pregreet', 'message-rate', 'recipient-rate', 'auth-failures',
  // One-click unsubscribe by mail (RFC 8058 mailto, docs/deliverability.md#one-click-unsubscribe).
  'unsubscribe-mailto',
  // Milters (config `milters`, docs/security.md#milters): off by default, each needs its milter.
  'milter',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** Every listener role runs these built-in checks, in this order. */
const DEFAULT_CHECKS: CheckName[] = ['sender-ownership', 'relay-access', 'local-recipients', 'message-format', 'hop-limit'];
/**
 * mx also authenticates inbound mail (SPF, DKIM, DMARC, ARC), after the cheap
 * content checks; submission roles do not: their clients are our own users.
 * mx runs the connection-stage defences (rate limits, pregreet) first in their
 * stages, and every role counts failed logins (docs/security.md).
 * `report-addresses` comes first at RCPT after the rate limits: mx also takes
 * bounces to the VERP return path and feedback reports (`bounces.domain`,
 * `complaints.addresses`), which no relay rule would accept; it accepts only
 * those (nothing when neither is set).
 */
const DEFAULT_MX_CHECKS: CheckName[] = [
  'connection-rate',
  'pregreet',
  'message-rate',
  'recipient-rate',
  'auth-failures',
  'report-addresses',
  ...DEFAULT_CHECKS,
  'mail-auth',
  // On mx for untrusted clients only: `dnsbl` asks nothing until `dnsbl.sites` lists some,
  // `helo` refuses only a stranger using our own name (docs/security.md says why).
  'dnsbl',
  'helo',
  'unsubscribe-mailto',
];
/**
 * Submission roles also refuse suppressed recipients at RCPT (550 5.7.1), so
 * the sending application learns at once, and enforce the users' sending
 * quotas and containment (docs/deliverability.md#quotas).
 */
const DEFAULT_SUBMISSION_CHECKS: CheckName[] = ['auth-failures', ...DEFAULT_CHECKS, 'suppression', 'sending-quota', 'recipient-quota', 'containment'];

const checkList = z.array(z.enum(CHECK_NAMES)).refine((l) => new Set(l).size === l.length, { message: 'a check is named at most once' });

/**
 * The checks each listener role runs, in order (each runs at its own stage:
 * connect, helo, auth, mail, rcpt or content). Leaving out `relay-access`
 * makes an open relay on that role: only do so behind another guard.
 */
export const checksSchema = z.strictObject({
  mx: checkList.default(DEFAULT_MX_CHECKS),
  submission: checkList.default(DEFAULT_SUBMISSION_CHECKS),
  submissions: checkList.default(DEFAULT_SUBMISSION_CHECKS),
});

export const eventsSchema = z.strictObject({
  /** How long events (the message timelines, rejections) are kept. */
  retention: duration('1h', '3650d').default(parseDuration('7d')),
});

export const smtpSchema = z.strictObject({
  /**
   * reject: bare CR or LF in message text gets 550 5.6.11 (SMTP smuggling defence,
   * CVE-2023-51764 family). normalize: turn them into CRLF for legacy clients.
   * They are never passed on as they came.
   */
  bareLineEndings: z.enum(['reject', 'normalize']).default('reject'),
});

const retrySchema = z.strictObject({
  /** Delay before the first retry. Postfix: minimal_backoff_time 300s. */
  first: duration('1s', '1d').default(parseDuration('5m')),
  /** Longest delay between attempts. Postfix: maximal_backoff_time 4000s. */
  max: duration('1s', '7d').default(parseDuration('1h')),
  /** Each retry waits this many times longer than the one before. */
  multiplier: z.number().min(1).max(10).default(2),
  /** Random spread of each delay, as a fraction (0.2 = ±20%). */
  jitter: z.number().min(0).max(1).default(0.2),
});

export const queueSchema = z.strictObject({
  /** SQLite database file (the embedded default; unused when `url` is set). */
  path: z.string().default('queue.db'),
  /**
   * PostgreSQL instead of the SQLite file: "postgres://user@host:5432/db".
   * Every store lives there, so several nodes can share it (docs/cluster.md).
   */
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'queue.url must be a postgres:// or postgresql:// URL')
    .optional(),
  /** PostgreSQL schema for Baton's tables (several installations, or tests, in one database). */
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'queue.schema must be lower-case letters, digits and _')
    .default('public'),
  /** PostgreSQL connections this node opens (its pool). */
  poolSize: int(2, 200).default(10),
  /** How long a message is retried before it expires and bounces. Postfix: maximal_queue_lifetime 5d. */
  lifetime: duration('10s', '60d').default(parseDuration('5d')),
  retry: retrySchema.prefault({}),
  /** Benchmarks only: acknowledge and discard instead of storing. Never use in production. */
  discard: z.boolean().default(false),
});

const tlsPolicy = z.enum(['none', 'opportunistic', 'required', 'required-verify']);

export const routeSchema = z.strictObject({
  /** Recipient domains this route serves: "example.com", "*.example.org" or "*". */
  domains: z.array(z.union([domainName, z.literal('*')])).min(1),
  /** Send through this relay instead of by MX. */
  smarthost: hostPort.optional(),
  auth: z.strictObject({ user: z.string().min(1), pass: z.string() }).optional(),
  tls: tlsPolicy.optional(),
});

export const deliverySchema = z.strictObject({
  /** TCP port for MX delivery (25; tests use another so sinks need no privileges). */
  port: int(1, 65535).default(25),
  /** Name sent in EHLO; defaults to `hostname`. */
  heloName: z.string().optional(),
  /** Default TLS policy for MX delivery. */
  tls: tlsPolicy.default('opportunistic'),
  /** Extra trust anchors (PEM file) for verifying outbound certificates, besides the system's. */
  caFile: z.string().optional(),
  mtaSts: mtaStsSchema.prefault({}),
  dane: daneSchema.prefault({}),
  /** Connections per destination site. Postfix: default_destination_concurrency_limit 20. */
  maxConnectionsPerSite: int(1, 10_000).default(20),
  /** Outbound connections in all. */
  maxConnections: int(1, 100_000).default(200),
  /** Recipients in one SMTP transaction; more go in further transactions. Postfix: smtp_destination_recipient_limit 50. */
  recipientsPerTransaction: int(1, 10_000).default(50),
  /** Messages sent over one connection before it is closed. */
  maxMessagesPerConnection: int(1, 100_000).default(100),
  /** How long an unused connection is kept for reuse. Postfix: smtp_connection_cache_time_limit 2s. */
  connectionIdle: duration('0s', '5m').default(parseDuration('5s')),
  connectTimeout: duration('1s', '10m').default(parseDuration('30s')),
  /** Per command. Postfix: smtp_*_timeout 300s. */
  commandTimeout: duration('1s', '1h').default(parseDuration('5m')),
  /** How long a site that failed at connection level is left alone. */
  siteBackoff: duration('0s', '1d').default(parseDuration('1m')),
  /** How long a claimed recipient stays leased to this node. */
  leaseTime: duration('10s', '1d').default(parseDuration('15m')),
  /** Send an RFC 3461 delay notice once a message has waited this long (0 = never). Postfix: delay_warning_time 0. */
  delayWarning: duration('0s', '30d').default(0),
});

export const dnsSchema = z.strictObject({
  /** Resolvers as "ip" or "ip:port"; the system's when absent. */
  servers: z
    .array(
      z.string().refine((s) => isIP(s) !== 0 || (splitHostPort(s) !== undefined && isIP(splitHostPort(s)?.host ?? '') !== 0), {
        message: 'DNS servers are IP addresses, optionally with a port: "127.0.0.1", "127.0.0.1:5353", "[::1]:53"',
      }),
    )
    .optional(),
  timeout: duration('100ms', '1m').default(parseDuration('5s')),
});

export const localSchema = z
  .strictObject({
    /** Maildir path template; {domain} and {user} are replaced. */
    maildir: z.string().optional(),
    /** LMTP server "host:port" (RFC 2033). */
    lmtp: hostPort.optional(),
    /** Known mailboxes of local domains; when set, others are rejected at RCPT with 550 5.1.1. */
    mailboxes: z.array(z.string().email()).default([]),
  })
  .refine((l) => !(l.maildir && l.lmtp), { message: 'set either maildir or lmtp, not both' });

/** Several nodes on one PostgreSQL database (queue.url); ignored on SQLite. */
export const clusterSchema = z.strictObject({
  /** This node's name in `baton cluster status` (default: the hostname and process id). */
  nodeName: z.string().min(1).max(100).optional(),
  /** How often a node writes its heartbeat. */
  heartbeat: duration('100ms', '1m').default(parseDuration('2s')),
  /** A node whose heartbeat is older than this is dead: other nodes take over its leases and roles. */
  deadAfter: duration('1s', '10m').default(parseDuration('15s')),
});

export const configSchema = z.strictObject({
  /** Name used in the greeting, EHLO and Received headers. */
  hostname: z.string().min(1).default('localhost'),
  /**
   * What this node does (DESIGN §1): inbound accepts and enqueues, delivery sends.
   * Roles share only the queue store, so a node may run either or both.
   */
  roles: z.array(z.enum(['inbound', 'delivery'])).min(1).default(['inbound', 'delivery']),
  /** Where the queue, generated TLS keys and local mail live. Relative paths in this file are relative to it. */
  dataDir: z.string().default('./data'),
  listeners: z
    .array(listenerSchema)
    .default([
      { address: '127.0.0.1:2525', role: 'mx', allowPlaintextAuth: false },
      { address: '127.0.0.1:2587', role: 'submission', allowPlaintextAuth: false },
      { address: '127.0.0.1:2465', role: 'submissions', allowPlaintextAuth: false },
    ]),
  tls: tlsSchema.prefault({}),
  /** Domains Baton is the final destination for. */
  localDomains: z.array(domainName).default([]),
  /** Domains accepted from anyone on mx and handed on to another server. */
  relayDomains: z.array(domainName).default([]),
  relay: z
    .strictObject({ trustedNetworks: z.array(cidr).default(['127.0.0.0/8', '::1/128']) })
    .prefault({}),
  limits: limitsSchema.prefault({}),
  checks: checksSchema.prefault({}),
  scanners: scannersSchema.prefault({}),
  milters: miltersSchema,
  rateLimits: rateLimitsSchema.prefault({}),
  pregreet: pregreetSchema.prefault({}),
  authFailures: authFailuresSchema.prefault({}),
  events: eventsSchema.prefault({}),
  smtp: smtpSchema.prefault({}),
  queue: queueSchema.prefault({}),
  cluster: clusterSchema.prefault({}),
  delivery: deliverySchema.prefault({}),
  routes: z.array(routeSchema).default([]),
  /** Egress sources and pools with warm-up (docs/deliverability.md#egress-and-warm-up). */
  egress: egressSchema.prefault({}),
  /** Daily TLS reports (RFC 8460) to the policy domains that ask for them. */
  tlsRpt: tlsRptSchema.prefault({}),
  /** REQUIRETLS (RFC 8689). */
  requireTls: requireTlsSchema.prefault({}),
  shaping: shapingSchema.prefault({}),
  auth: authSchema.prefault({}),
  dnsbl: dnsblSchema.prefault({}),
  helo: heloSchema.prefault({}),
  greylist: greylistSchema.prefault({}),
  dkim: dkimSchema.prefault({}),
  quotas: quotasSchema.prefault({}),
  containment: containmentSchema.prefault({}),
  dns: dnsSchema.prefault({}),
  local: localSchema.prefault({}),
  /** One-click unsubscribe (RFC 8058) for bulk mail; absent: off. */
  unsubscribe: unsubscribeSchema,
  /** The HTTP API, webhooks, metrics and health endpoints (docs/api.md); absent: off. */
  api: apiSchema,
  /** How events are POSTed to webhook endpoints (docs/api.md#webhooks). */
  webhooks: webhooksSchema.prefault({}),
  /** Settings of the bulk stream (CAN-SPAM). */
  bulk: bulkSchema.prefault({}),
  /** Contacts, lists, segments, templates, campaigns and flows (docs/campaigns.md). */
  campaigns: campaignsSchema.prefault({}),
  /** "postmaster@example.com": ["alice@example.com"]; a key "@example.com" catches the whole domain. */
  aliases: z
    .record(
      z.string().refine((k) => k.startsWith('@') ? domainPattern.test(k.slice(1).toLowerCase()) : parseMailbox(k) !== undefined, {
        message: 'alias keys are "user@domain" or "@domain"',
      }),
      z.array(z.string().refine((t) => parseMailbox(t) !== undefined, { message: 'alias targets are addresses, "user@domain"' })).min(1),
    )
    .default({}),
  bounces: bouncesSchema.prefault({}),
  complaints: complaintsSchema.prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** json: one JSON line per event (for log shippers); pretty: readable lines for a terminal (log/logger.ts). */
      format: z.enum(['json', 'pretty']).default('json'),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type ListenerConfig = z.output<typeof listenerSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
export type TlsPolicy = z.output<typeof tlsPolicy>;
