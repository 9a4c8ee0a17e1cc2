import { checkServerIdentity, type TLSSocket } from 'node:tls';
import type { Logger } from '../../../log/index.js';
import type { SiteHost } from '../../mx.js';
import type { TlsPolicy } from '../../tls-policy.js';
import type { AppliedPolicy, HostDemand, PeerVerdict, SourcePlan } from '../host-tls.js';
import { mxMatches, policyStrings } from './sts-policy.js';
import type { StoredStsPolicy } from './store/index.js';

export interface StsPlanOptions {
  /** Trust anchors for the MX certificates: undefined for Node's roots, else roots plus delivery.caFile. */
  readonly ca?: readonly string[];
  /** delivery.tls: what an unpinned route asks of every host (testing mode delivers as that). */
  readonly defaultTls: TlsPolicy;
  readonly logger: Logger;
}

/** The RFC 8460 §4.3 view of a policy, for logs, `baton tls check` and TLS-RPT. */
export function appliedPolicy(domain: string, p: StoredStsPolicy): AppliedPolicy {
  const mode = p.policy.mode === 'enforce' ? 'enforce' : 'testing';
  return { type: 'sts', domain, mode, strings: policyStrings(p.policy), mxHost: p.policy.mx };
}

/** What one domain's MTA-STS policy demands of each MX host (RFC 8461 §4, §5); undefined for mode none. */
export function stsPlan(domain: string, p: StoredStsPolicy, opts: StsPlanOptions): SourcePlan | undefined {
  const { mode, mx } = p.policy;
  if (mode === 'none') return undefined;
  const policy = appliedPolicy(domain, p);
  const settingsFor = (host: string) => ({ servername: host, ...(opts.ca ? { ca: opts.ca } : {}) });
  if (mode === 'enforce') {
    return {
      forHost(host: SiteHost): HostDemand {
        // §4.1 + §5: an MX that matches no pattern MUST NOT be delivered to; defer, another may come.
        if (!mxMatches(host.host, mx)) {
          return {
            refused: true,
            temporary: true,
            resultType: 'validation-failure',
            reason: `MX host ${host.host} is not in the MTA-STS policy of ${domain} (mode enforce, mx: ${mx.join(', ')}); RFC 8461 §4.1 forbids delivering to it`,
            policy,
          };
        }
        // §4.2: TLS with a certificate that chains to a trusted root and names the MX host.
        return { tls: 'required-verify', settings: settingsFor(host.host), key: 'sts-enforce', policy };
      },
    };
  }
  // testing (§5): deliver as without a policy, and report what enforce would have refused.
  // Under a stricter delivery.tls the route's policy already checks, and a failed check here would end the connection.
  if (opts.defaultTls !== 'opportunistic') return undefined;
  return {
    forHost(host: SiteHost): HostDemand {
      const matched = mxMatches(host.host, mx);
      return {
        tls: 'opportunistic',
        settings: settingsFor(host.host),
        key: 'sts-testing',
        policy,
        checkPeer: (socket) => reportOnly(domain, host.host, matched, mx, socket, opts.logger),
      };
    },
  };
}

/** The verdict enforce would reach on this connection (codes are RFC 8460 §4.3.2.2 result types), logged when it fails. */
function reportOnly(domain: string, host: string, matched: boolean, mx: readonly string[], socket: TLSSocket, logger: Logger): PeerVerdict {
  const verdict = peerVerdict(host, matched, mx, socket);
  if (!verdict.ok) logger.warn({ domain, host, mode: 'testing', result: verdict.code, reason: verdict.message }, 'MTA-STS testing: enforce would refuse this connection; delivering anyway');
  return verdict;
}

export function peerVerdict(host: string, matched: boolean, mx: readonly string[], socket: TLSSocket): PeerVerdict {
  if (!matched) return { ok: false, code: 'validation-failure', message: `MX host ${host} matches no mx pattern of the policy (${mx.join(', ')})` };
  // Node reports a name mismatch in authorizationError too (we send the MX name as servername): that is the name check's result below.
  const chainError = socket.authorized ? undefined : String(socket.authorizationError ?? 'unknown');
  if (chainError !== undefined && chainError !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { ok: false, code: 'certificate-not-trusted', message: `certificate of ${host} not trusted: ${chainError}` };
  }
  const nameError = checkServerIdentity(host, socket.getPeerCertificate());
  if (nameError) return { ok: false, code: 'certificate-host-mismatch', message: nameError.message };
  return { ok: true };
}
