import { matchesDomain, type Mailbox } from '../../core/index.js';

/**
 * Who may send to whom (the open-relay guard), decided per recipient
 * (DESIGN §3 step 2). Mail for local and relay domains is accepted from anyone;
 * any other domain only from authenticated clients or trusted networks.
 */

export interface RelayDomains {
  readonly localDomains: readonly string[];
  readonly relayDomains: readonly string[];
}

export interface ClientStanding {
  readonly authenticated: boolean;
  readonly trusted: boolean;
}

export type RecipientClass = 'local' | 'relay-domain' | 'foreign';

export type RelayVerdict =
  | { readonly accept: true; readonly class: RecipientClass }
  | { readonly accept: false; readonly reason: string };

export function classifyDomain(domain: string, domains: RelayDomains): RecipientClass {
  if (matchesDomain(domain, domains.localDomains)) return 'local';
  if (matchesDomain(domain, domains.relayDomains)) return 'relay-domain';
  return 'foreign';
}

/**
 * Sender-specified routing in the local part ("user%other@", "other!user@",
 * a quoted "@"): a downstream server may route on it, so accepting it from a
 * stranger could relay (Postfix's reject_unauth_destination refuses it too).
 */
export function hasSenderRouting(local: string): boolean {
  return /[%!@]/.test(local) || local.startsWith('"');
}

export function decideRelay(rcpt: Mailbox, client: ClientStanding, domains: RelayDomains): RelayVerdict {
  const privileged = client.authenticated || client.trusted;
  if (rcpt.domain.startsWith('[')) {
    // Address literals bypass MX routing entirely: only privileged clients.
    return privileged ? { accept: true, class: 'foreign' } : { accept: false, reason: 'address literal' };
  }
  const cls = classifyDomain(rcpt.domain, domains);
  if (privileged) return { accept: true, class: cls };
  if (cls === 'foreign') return { accept: false, reason: 'foreign domain from untrusted client' };
  if (hasSenderRouting(rcpt.local)) return { accept: false, reason: 'sender-specified routing in local part' };
  return { accept: true, class: cls };
}

/** An authenticated user may only send from the domains they own (RFC 6409 §8.2 spirit). */
export function senderAllowed(sender: Mailbox | null, userDomains: readonly string[]): boolean {
  if (sender === null) return false;
  return matchesDomain(sender.domain, userDomains) || userDomains.includes('*');
}
