import type { BouncesConfig } from '../config/index.js';
import type { Mailbox } from '../core/index.js';
import type { MessageSummary } from '../queue/index.js';
import { VERP_PREFIX, VerpTokens } from './verp-token.js';

/**
 * The per-message envelope sender used on the wire (VERP: RFC 5321 §4.1.1.2
 * lets the reverse-path be any address that takes the bounces). Mail of a
 * stream with `bounces.verp.<stream>` on goes out as
 * `bounce+TOKEN@<bounces.domain>`, so a bounce that comes back days later,
 * from a server that says nothing useful about the recipient, still names the
 * message. The stored sender is not changed: Baton's own DSNs go to it.
 *
 * Never for the null sender (RFC 5321 §4.5.5: a DSN's reverse-path stays
 * empty so that it cannot bounce back). Returns undefined when nothing
 * changes, so the engine keeps the stored sender.
 */
export function verpReturnPath(config: BouncesConfig, tokens: VerpTokens | undefined): ((message: MessageSummary) => Mailbox | undefined) | undefined {
  const domain = config.domain;
  if (domain === undefined || !tokens || (!config.verp.bulk && !config.verp.transactional)) return undefined;
  return (message) => {
    if (message.envelope.mailFrom === null) return undefined;
    if (!config.verp[message.origin.stream ?? 'transactional']) return undefined;
    return { local: VERP_PREFIX + tokens.sign(message.id), domain };
  };
}
