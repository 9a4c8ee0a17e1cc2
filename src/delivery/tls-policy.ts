import { checkServerIdentity, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { TlsPolicy } from '../config/index.js';

/**
 * Outbound TLS policy (config delivery.tls / routes[].tls):
 *
 * - none: never STARTTLS (LMTP on loopback, test sinks).
 * - opportunistic: STARTTLS when offered, certificate not checked (RFC 7435: any
 *   encryption beats none); a refused STARTTLS or failed handshake falls back to
 *   plaintext on a new connection, because a half-done handshake leaves the
 *   session in an unknown state.
 * - required: STARTTLS must succeed (certificate not checked, like Postfix
 *   "encrypt"); otherwise the connection fails with a temporary outcome.
 * - required-verify: as required, and the certificate must chain to a trusted CA
 *   and match `servername` (like Postfix "secure"; RFC 6125 name check).
 */
export type { TlsPolicy };

export interface TlsInfo {
  readonly protocol: string;
  readonly cipher: string;
  /** The peer certificate chained to a trusted CA and matched the name. */
  readonly authorized: boolean;
  readonly authorizationError?: string;
  /** Subject CN of the peer certificate, for logs. */
  readonly peerName?: string;
}

export interface TlsClientSettings {
  /** Name to verify and send as SNI; defaults to the MX host name. */
  readonly servername?: string;
  /** Extra trust anchors (PEM), e.g. a private CA or a test certificate. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** Whether the policy wants STARTTLS attempted at all. */
export function wantsTls(policy: TlsPolicy): boolean {
  return policy !== 'none';
}

/** Whether a connection must end when TLS cannot be had. */
export function requiresTls(policy: TlsPolicy): boolean {
  return policy === 'required' || policy === 'required-verify';
}

/** node:tls options for the STARTTLS upgrade of `socket` under `policy`. */
export function tlsOptionsFor(
  policy: TlsPolicy,
  host: string,
  settings: TlsClientSettings = {},
): ConnectionOptions {
  const servername = settings.servername ?? host;
  const opts: ConnectionOptions = {
    // SNI must be a host name, never an IP address (RFC 6066 §3).
    ...(/^[\d.]+$|:/.test(servername) ? {} : { servername }),
    rejectUnauthorized: policy === 'required-verify',
    minVersion: settings.minVersion ?? 'TLSv1.2',
  };
  if (settings.ca !== undefined) opts.ca = settings.ca as ConnectionOptions['ca'];
  if (policy === 'required-verify') {
    // Verify against the configured name even when it is an IP-less SNI case.
    const expected = servername;
    opts.checkServerIdentity = (_host, cert) => tlsCheckIdentity(expected, cert);
  }
  return opts;
}

function tlsCheckIdentity(name: string, cert: PeerCertificate): Error | undefined {
  return checkServerIdentity(name, cert);
}

export function describeTls(socket: TLSSocket): TlsInfo {
  const cipher = socket.getCipher();
  const cert = socket.getPeerCertificate();
  const cn = cert && typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
  const err = socket.authorizationError;
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: cipher?.name ?? 'unknown',
    authorized: socket.authorized,
    ...(err ? { authorizationError: String(err) } : {}),
    ...(cn ? { peerName: cn } : {}),
  };
}
