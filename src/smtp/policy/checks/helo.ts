import { isIP } from 'node:net';
import { splitHostPort, type HeloConfig, type ListenerConfig } from '../../../config/index.js';
import { expandIpv6, Replies } from '../../../core/index.js';
import type { Logger } from '../../../log/index.js';
import { Verdicts, type Check, type Verdict } from '../check.js';

export interface HeloDeps {
  readonly config: HeloConfig;
  /** Config `hostname`. */
  readonly hostname: string;
  /** Our listener addresses (wildcards left out): a stranger claiming one is lying. */
  readonly ourAddresses: readonly string[];
  readonly logger: Logger;
}

/**
 * What the client calls itself in HELO/EHLO, judged by config `helo`
 * (Postfix's reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname, and
 * the "HELO is my name" access rule). Trusted networks and authenticated
 * clients are never judged: local apps often say "localhost" or a bare name.
 */
export function heloCheck(deps: HeloDeps): Check<'helo'> {
  const ours = new Set([deps.hostname.toLowerCase(), ...deps.ourAddresses.map(normalizeAddress)]);
  return {
    name: 'helo',
    stage: 'helo',
    onFailure: 'closed',
    run({ session, helo }) {
      if (session.trusted || session.user) return Verdicts.continue;
      const verdict = judge(helo.name, deps.config, ours);
      if (verdict.kind !== 'continue') deps.logger.info({ client: session.clientIp, helo: helo.name }, 'helo: refused');
      return verdict;
    },
  };
}

function judge(name: string, config: HeloConfig, ours: ReadonlySet<string>): Verdict {
  const kind = heloKind(name);
  if (config.rejectInvalid && kind === 'invalid') return Verdicts.reject(Replies.heloInvalid());
  if (config.rejectNonFqdn && kind === 'bare-name') return Verdicts.reject(Replies.heloNotFqdn());
  if (config.rejectOurName && claimsOurs(name, ours)) return Verdicts.reject(Replies.heloOurName());
  return Verdicts.continue;
}

export type HeloKind = 'fqdn' | 'bare-name' | 'address-literal' | 'invalid';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * RFC 5321 §4.1.1.1: the EHLO argument is a Domain (§4.1.2: labels of letters,
 * digits and hyphens, not starting or ending in a hyphen) or an
 * address-literal (§4.1.3: "[192.0.2.1]", "[IPv6:2001:db8::1]"). A domain
 * with no dot, or whose last label is all digits (a bare IP written as a
 * name), is not fully qualified.
 */
export function heloKind(name: string): HeloKind {
  if (name.startsWith('[') && name.endsWith(']')) {
    const inner = name.slice(1, -1);
    if (isIP(inner) === 4) return 'address-literal';
    if (/^ipv6:/i.test(inner) && isIP(inner.slice(5)) === 6) return 'address-literal';
    return 'invalid';
  }
  const domain = name.endsWith('.') ? name.slice(0, -1) : name;
  if (domain.length === 0 || domain.length > 253) return 'invalid';
  const labels = domain.split('.');
  if (!labels.every((l) => LABEL.test(l))) return 'invalid';
  if (labels.length < 2 || /^[0-9]+$/.test(labels[labels.length - 1] as string)) return 'bare-name';
  return 'fqdn';
}

/** Our host name, or one of our addresses bare or as a literal. */
function claimsOurs(name: string, ours: ReadonlySet<string>): boolean {
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (ours.has(lower)) return true;
  const literal = /^\[(?:ipv6:)?(.+)\]$/i.exec(lower);
  const address = literal ? literal[1] : lower;
  return address !== undefined && isIP(address) !== 0 && ours.has(normalizeAddress(address));
}

/** One spelling per address: "::ffff:192.0.2.1" is 192.0.2.1, "::1" and "0::1" are one. */
function normalizeAddress(ip: string): string {
  const v4 = ip.toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
  return isIP(v4) === 6 ? expandIpv6(v4) : v4;
}

/** The addresses our listeners are bound to, wildcards ("0.0.0.0", "::") left out: they name no one. */
export function listenerAddresses(listeners: readonly Pick<ListenerConfig, 'address'>[]): string[] {
  const hosts = listeners.map((l) => splitHostPort(l.address)?.host ?? '');
  return hosts.filter((h) => isIP(h) !== 0 && h !== '0.0.0.0' && h !== '::');
}
