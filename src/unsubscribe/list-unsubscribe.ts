import { fieldRanges, hasHeader, unfoldedValue } from '../core/index.js';

/**
 * What the sender's own List-Unsubscribe fields are worth. "valid" is what
 * RFC 8058 §3.1 asks of one-click: List-Unsubscribe holds an https URI
 * (RFC 2369 §3.2: a comma-separated list of <URI>s) and List-Unsubscribe-Post
 * is exactly "List-Unsubscribe=One-Click". Anything else present is "invalid"
 * (e.g. only a mailto, or no -Post field): Baton replaces it with its own.
 */
export type SenderUnsubscribe = 'valid' | 'invalid' | 'absent';

export const LIST_UNSUBSCRIBE = 'List-Unsubscribe';
export const LIST_UNSUBSCRIBE_POST = 'List-Unsubscribe-Post';
const ONE_CLICK = 'List-Unsubscribe=One-Click';

export function senderUnsubscribe(message: Buffer): SenderUnsubscribe {
  // A regex over the header first: most mail has neither field.
  if (!hasHeader(message, LIST_UNSUBSCRIBE) && !hasHeader(message, LIST_UNSUBSCRIBE_POST)) return 'absent';
  const lists: string[] = [];
  const posts: string[] = [];
  for (const f of fieldRanges(message)) {
    if (f.name === 'list-unsubscribe') lists.push(unfoldedValue(message, f));
    else if (f.name === 'list-unsubscribe-post') posts.push(unfoldedValue(message, f));
  }
  if (lists.length === 0 && posts.length === 0) return 'absent';
  // One of each: two List-Unsubscribe fields leave the receiver to guess.
  if (lists.length !== 1 || posts.length !== 1) return 'invalid';
  const hasHttps = [...(lists[0] as string).matchAll(/<\s*([^>]*)>/g)].some((m) => /^https:\/\/[^\s/]+/i.test((m[1] ?? '').trim()));
  return hasHttps && (posts[0] as string).trim() === ONE_CLICK ? 'valid' : 'invalid';
}
