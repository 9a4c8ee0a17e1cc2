/** The API's message JSON (docs/api.md "Messages and search"), as the pages read it. */

export const STATES = ['queued', 'deferred', 'delivered', 'bounced', 'expired', 'suppressed'] as const;

export interface Recipient {
  readonly address: string;
  readonly state: string;
  readonly attempts: number;
  readonly lastReply: string | null;
  readonly remoteMta: string | null;
  readonly nextAttemptAt: string | null;
  readonly updatedAt: string;
}

export interface MessageSummary {
  readonly id: string;
  readonly sender: string;
  readonly subject: string | null;
  readonly size: number;
  readonly receivedAt: string;
  readonly origin: { readonly kind: string; readonly user?: string; readonly apiKey?: string; readonly clientIp?: string; readonly listener?: string; readonly helo?: string };
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly held: boolean;
  readonly inQueue: boolean;
  readonly deletedAt: string | null;
  readonly recipients: readonly Recipient[];
}

export interface TimelineEntry {
  readonly id: number;
  readonly type: string;
  readonly at: string;
  readonly recipient?: string;
  readonly reply?: string;
  readonly [more: string]: unknown;
}

export interface MessageDetail extends MessageSummary {
  readonly expiresAt: string | null;
  readonly timeline: readonly TimelineEntry[];
}

export interface SearchPage {
  readonly messages: readonly MessageSummary[];
  readonly nextCursor: string | null;
}

export interface AuthResult {
  readonly method: string;
  readonly result: string;
  readonly reason?: string;
  readonly comment?: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface MessageHeaders {
  readonly headers: readonly { readonly name: string; readonly value: string; readonly decoded?: string }[];
  readonly authResults: readonly AuthResult[] | null;
}

/** "" is the null reverse-path (bounces, DSNs): shown as the SMTP form. */
export function senderText(sender: string): string {
  return sender === '' ? '<>' : sender;
}

/** The states of a message's recipients, each once, in a stable order. */
export function statesOf(m: MessageSummary): string[] {
  const seen = new Set(m.recipients.map((r) => r.state));
  return STATES.filter((s) => seen.has(s));
}
