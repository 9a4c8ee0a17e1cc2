/** What the domain routes answer (docs/api.md "Domains", "DKIM keys"). */

export interface DnsRecord {
  readonly name: string;
  readonly type: 'TXT' | 'MX';
  readonly value: string;
  readonly purpose: 'dkim' | 'spf' | 'dmarc' | 'mx';
  readonly status: 'published' | 'missing' | 'different' | 'unknown';
  readonly found?: readonly string[];
  readonly note?: string;
}

export interface Domain {
  readonly domain: string;
  readonly roles: readonly ('dkim' | 'local' | 'bounce' | 'unsubscribe')[];
  readonly records: readonly DnsRecord[];
}

export interface DkimKey {
  readonly selector: string;
  readonly algorithm: 'rsa-2048' | 'ed25519';
  readonly state: 'pending-dns' | 'active' | 'retiring' | 'retired';
  readonly since: string;
  readonly record: { readonly name: string; readonly value: string };
  readonly dns: { readonly status: 'published' | 'missing' | 'wrong' | 'unknown'; readonly detail?: string };
  readonly signs: boolean;
  readonly note: string;
}

export interface DkimKeys {
  readonly domain: string;
  readonly signing: readonly string[];
  readonly keys: readonly DkimKey[];
}

export interface NewDkimKey {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: string;
  readonly name: string;
  readonly value: string;
}

export const ALGORITHMS = ['rsa-2048', 'ed25519'] as const;

/** What each role means, for the operator. */
export const ROLE_WORDS: Readonly<Record<string, string>> = {
  dkim: 'sending (DKIM)',
  local: 'receiving',
  bounce: 'bounce return path',
  unsubscribe: 'unsubscribe mailbox',
};

export const PURPOSE_WORDS: Readonly<Record<DnsRecord['purpose'], string>> = { dkim: 'DKIM', spf: 'SPF', dmarc: 'DMARC', mx: 'MX' };

/** "/api/v1/domains/brand.example" with the name escaped. */
export const domainPath = (domain: string) => `/api/v1/domains/${encodeURIComponent(domain)}`;
