/**
 * Domain patterns of the config (`localDomains`, `relayDomains`, `routes`):
 * "example.com" matches itself, "*.example.org" matches its subdomains only.
 * Domains are compared in lower case (RFC 5321 §2.4); callers pass them so.
 */
export function matchesDomain(domain: string, patterns: readonly string[]): boolean {
  for (const p of patterns) {
    if (p === domain) return true;
    if (p.startsWith('*.') && domain.endsWith(p.slice(1))) return true;
  }
  return false;
}
