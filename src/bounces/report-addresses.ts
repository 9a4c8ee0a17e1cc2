import { parseMailbox, type Mailbox, type QueueId } from '../core/index.js';
import { VerpTokens } from './verp-token.js';

/** Which of our report addresses a recipient is. */
export type ReportTarget =
  /** The VERP return path, its token verified: the original message is known. */
  | { readonly kind: 'bounce'; readonly queueId: QueueId }
  /** postmaster@ of the bounce domain (RFC 5321 §4.5.1): taken, processed like a bounce without a token. */
  | { readonly kind: 'bounce-postmaster' }
  /** The bounce domain, but no token we signed: refused at RCPT. */
  | { readonly kind: 'bounce-forged' }
  /** A configured feedback-loop address (`complaints.addresses`). */
  | { readonly kind: 'complaint' };

/**
 * The addresses whose mail Baton processes itself instead of delivering:
 * the bounce domain (`bounces.domain`) and the complaint addresses. Used by
 * the `report-addresses` check at RCPT and by the report intake after DATA,
 * so both see the same answer.
 */
export class ReportAddresses {
  private readonly complaints: ReadonlySet<string>;

  constructor(
    private readonly bounceDomain: string | undefined,
    private readonly tokens: VerpTokens | undefined,
    complaintAddresses: readonly string[],
  ) {
    this.complaints = new Set(
      complaintAddresses.map((a) => {
        const m = parseMailbox(a);
        return m ? key(m) : a.toLowerCase();
      }),
    );
  }

  /** Nothing configured: the check and the intake step cost nothing. */
  get empty(): boolean {
    return this.bounceDomain === undefined && this.complaints.size === 0;
  }

  target(rcpt: Mailbox): ReportTarget | undefined {
    if (this.complaints.size > 0 && this.complaints.has(key(rcpt))) return { kind: 'complaint' };
    if (this.bounceDomain === undefined || rcpt.domain.toLowerCase() !== this.bounceDomain) return undefined;
    if (rcpt.local.toLowerCase() === 'postmaster') return { kind: 'bounce-postmaster' };
    const token = VerpTokens.tokenOf(rcpt.local);
    const queueId = token !== undefined ? this.tokens?.verify(token) : undefined;
    return queueId ? { kind: 'bounce', queueId } : { kind: 'bounce-forged' };
  }
}

function key(m: Mailbox): string {
  return `${m.local}@${m.domain}`.toLowerCase();
}
