import type { TLSSocket } from 'node:tls';
import type { SmtpReply } from '../../core/index.js';
import type { SiteHost } from '../mx.js';
import type { TlsClientSettings, TlsInfo, TlsPolicy } from '../tls-policy.js';

/**
 * The outbound transport-security seam (issue 14). Before the SMTP transport
 * connects to a domain's MX hosts it asks a `TlsPlanner` what each host
 * demands. Policy sources (DANE, RFC 7672; MTA-STS, RFC 8461) plug in here as
 * `TlsPolicySource`s; each connection's TLS result goes to a `TlsResultSink`
 * (TLS-RPT, RFC 8460). The transport and the client know only these types.
 */

/** Which policy decided a host's TLS demand: the names of RFC 8460 §4.3 `policy-type`, plus the route's own. */
export type PolicyType = 'tlsa' | 'sts' | 'no-policy-found' | 'route';

/** The policy applied to one connection, as logs, `baton tls check` and TLS-RPT reports show it. */
export interface AppliedPolicy {
  readonly type: PolicyType;
  /** The policy domain (RFC 8460 §4.3): the recipient domain for STS; the MX host for TLSA. */
  readonly domain: string;
  /** MTA-STS mode (enforce | testing); TLSA is always enforced. */
  readonly mode?: 'enforce' | 'testing';
  /** RFC 8460 §4.3 `policy-string`: the policy's lines (STS) or the TLSA records in presentation form. */
  readonly strings?: readonly string[];
  /** MTA-STS: the `mx` patterns of the policy (RFC 8460 §4.3 `mx-host`). */
  readonly mxHost?: readonly string[];
}

/** A peer check after the TLS handshake (DANE's TLSA match). */
export type PeerCheck = (socket: TLSSocket) => PeerVerdict;
export type PeerVerdict = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string };

/** What one MX host demands: the connection's TLS policy and settings, and the policy that set them. */
export interface HostTls {
  readonly tls: TlsPolicy;
  readonly settings?: TlsClientSettings;
  /** Run after the handshake; a failure ends the connection when `tls` requires TLS, and is only reported otherwise (MTA-STS testing). */
  readonly checkPeer?: PeerCheck;
  /** Tells pooled connections apart: a connection checked under one policy never carries mail planned under another. */
  readonly key: string;
  readonly policy: AppliedPolicy;
  /** RFC 8689 §4.2.1 (delivery/tls/require-tls.ts): the connection must offer REQUIRETLS after STARTTLS. */
  readonly requireTls?: true;
}

/** A host the policy forbids using (an MTA-STS enforce policy's non-matching MX, RFC 8461 §4.1), or a lookup that must be retried. */
export interface HostRefusal {
  readonly refused: true;
  /** Retry later (true, the usual case: RFC 8461 §5 "MUST NOT deliver", so defer) or bounce (false). */
  readonly temporary: boolean;
  readonly reply?: SmtpReply;
  /** For logs and TLS-RPT: RFC 8460 §4.3 result type when there is one (e.g. "validation-failure"). */
  readonly resultType?: string;
  readonly reason: string;
  readonly policy: AppliedPolicy;
  /** `message`: the refusal concerns this message only (REQUIRETLS), so the site is not backed off for other mail. Default `site`. */
  readonly scope?: 'message';
}

export type HostDemand = HostTls | HostRefusal;

export function isRefusal(d: HostDemand): d is HostRefusal {
  return (d as HostRefusal).refused === true;
}

/** What a policy source has to say about one domain's hosts. */
export interface SourcePlan {
  /** The host's demand under this source's policy, or undefined when this source has nothing for it (the next source, then the route, decides). */
  forHost(host: SiteHost): HostDemand | undefined;
}

/**
 * A source of outbound TLS policy (DANE, MTA-STS). `plan` is called once per
 * attempt with the MX hosts about to be tried; it must be cheap when the
 * answer is cached (the benchmark's hot path).
 */
export interface TlsPolicySource {
  readonly name: string;
  /** undefined: no policy for this domain at all. */
  plan(domain: string, hosts: readonly SiteHost[]): Promise<SourcePlan | undefined>;
  /** What this source found for the domain and why, for `baton tls check` (looked up fresh, not from the delivery cache's view). */
  explain?(domain: string, hosts: readonly SiteHost[]): Promise<PolicyExplanation>;
}

/** One source's account of a domain for `baton tls check`. */
export interface PolicyExplanation {
  readonly source: string;
  readonly found: boolean;
  /** One line for people: "enforce, id 20250101, mx *.mail.example.com, cached 3 h ago". */
  readonly summary: string;
  /** Everything else, for --json. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * How one fresh connection's TLS went (reused connections are not reported again).
 *
 * Codes and TLS-RPT (tls-rpt/result-types.ts): a `code` (here, in PeerVerdict)
 * or a HostRefusal `resultType` that already is an RFC 8460 §4.3 result type
 * ("tlsa-invalid", "dane-required", "sts-policy-fetch-error", ...) is reported
 * as is; Node's certificate codes (CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID,
 * DEPTH_ZERO_SELF_SIGNED_CERT, ...) and ours (`tls-unavailable`, `starttls-refused`)
 * are mapped; anything else is reported as "validation-failure".
 */
export type TlsNegotiation =
  | { readonly kind: 'tls'; readonly info: TlsInfo; readonly peer?: PeerVerdict }
  /** The server offered no STARTTLS and the policy let us go on in plaintext. */
  | { readonly kind: 'plaintext' }
  /** STARTTLS was missing, refused or the handshake (or the peer check) failed: `code` is Node's or ours (`tls-unavailable`, `tls`, a DANE code). */
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

/** One connection's TLS result under the policy that applied, for TLS-RPT (RFC 8460 §4.3). */
export interface TlsSessionResult {
  readonly policy: AppliedPolicy;
  /** The recipient domain the mail was for. */
  readonly recipientDomain: string;
  readonly mxHost: string;
  readonly ip: string;
  /** The egress source's address the connection was bound to (RFC 8460 §4.3 sending-mta-ip); absent: the host's default. */
  readonly sendingIp?: string;
  readonly negotiation: TlsNegotiation | { readonly kind: 'refused'; readonly refusal: HostRefusal };
}

export interface TlsResultSink {
  record(result: TlsSessionResult): void;
  /** The latest recorded result for mail to `recipientDomain`, for `baton tls check`. */
  lastResult?(recipientDomain: string): Promise<{ readonly at: number; readonly result: string } | undefined>;
}
