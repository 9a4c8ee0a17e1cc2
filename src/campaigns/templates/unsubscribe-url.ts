import type { UnsubscribeParts } from '../../unsubscribe/index.js';

/**
 * The `{{ unsubscribe_url }}` of a contact's mail: the same signed one-click
 * URL the List-Unsubscribe header carries (delivery/transforms/list-unsubscribe.ts),
 * so a click on the link and the mail client's button do the same thing.
 * `domain`: the sending domain (the envelope sender's), which scopes the
 * unsubscribe; `address` in lower case, as the header's is.
 */
export function unsubscribeUrlFor(parts: Pick<UnsubscribeParts, 'tokens' | 'baseUrl'>, address: string, domain: string): string {
  return `${parts.baseUrl}/u/${parts.tokens.issueBoth(address.toLowerCase(), domain).url}`;
}
