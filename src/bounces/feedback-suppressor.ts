import type { SuppressionReason, Suppressions } from '../suppression/index.js';
import { senderDomain, type OriginalMessage } from './original.js';

/**
 * Adds the suppression a hard bounce or a complaint calls for, through the
 * one service (suppression-added event included), in the configured scope:
 * `global`, or the original sender's domain. Never for a message with the
 * null sender: that was a DSN (ours or relayed), not mail anyone chose to
 * send to the address, and its recipient is often a forged sender, so it
 * must not shape the list (and DSNs are never suppressed anyway).
 */
export async function suppressFor(
  suppressions: Suppressions,
  original: OriginalMessage,
  entry: { readonly address: string; readonly reason: SuppressionReason; readonly source: string; readonly scope: 'global' | 'domain' },
): Promise<boolean> {
  if (original.sender === '') return false;
  const domain = entry.scope === 'domain' ? senderDomain(original) : undefined;
  await suppressions.add([{ address: entry.address, reason: entry.reason, source: entry.source, ...(domain ? { domain } : {}) }]);
  return true;
}
