import type { EnhancedStatus, SmtpReply } from '../../core/index.js';
import { DEFAULT_BOUNCE_RULES } from './default-rules.js';

/**
 * What a failure reply says about a recipient, for the suppression store,
 * the events and the operator (DESIGN §3 step 8). Every remote reply,
 * synchronous (in our own SMTP session) or asynchronous (a DSN that arrives
 * later), is classified by the same ordered rules: the operator's
 * (`bounces.rules`) first, then the shipped table (default-rules.ts).
 *
 * The outcome of the attempt (deferred or bounced) is not decided here: that
 * is the reply code's job (RFC 5321 §4.2.1, outcome.ts). This says why.
 */
export const BOUNCE_CATEGORIES = [
  /** The mailbox does not exist, was closed or disabled. */
  'bad-mailbox',
  /** The domain does not exist or accepts no mail (null MX, RFC 7505). */
  'bad-domain',
  /** Mailbox full or over quota: the owner may make room. */
  'mailbox-full',
  /** The receiver's rules: relay denied, a local policy, reverse DNS, greylisting aside. */
  'policy',
  /** Refused as spam, or for the sending IP's or domain's reputation or a block list. */
  'spam-block',
  /** The message itself: size, a virus, an attachment, a malformed header. */
  'content',
  /** Too much mail too fast: rate limits, provider deferrals (Yahoo TSS04, Gmail 4.7.28). */
  'throttled',
  /** SPF, DKIM or DMARC failed or are missing (RFC 7372 X.7.20-X.7.26). */
  'auth-failure',
  /** A passing problem at the receiver or on the way: resources, timeouts, no connection. */
  'transient',
  /** Nothing more specific is known. */
  'unknown',
] as const;
export type BounceCategory = (typeof BOUNCE_CATEGORIES)[number];

/**
 * hard: waiting will not help, the same message to the same address fails
 * again. soft: it may get through later (4xx, and by nature a full mailbox,
 * a rate limit, a transient problem even when sent as 5xx).
 */
export type BounceKind = 'hard' | 'soft';

export interface Classification {
  readonly kind: BounceKind;
  readonly category: BounceCategory;
  /** The name of the rule that matched, for the operator tuning `bounces.rules`. */
  readonly rule: string;
}

/** A rule: every condition given must hold; the first rule that matches decides. */
export interface BounceRule {
  readonly name: string;
  /** "550", "5xx", "45x": digits, `x` for any digit. */
  readonly code?: string;
  /** "5.1.1", "x.1.1", "4.7.5xx", "x.7.*": per part a number, `x` for a digit, `*` for any number. */
  readonly status?: string;
  /** Matched against the reply's text lines joined by a space (case-insensitive in rules files). */
  readonly text?: RegExp;
  /** Absent: hard for a 5xx, soft for a 4xx. */
  readonly kind?: BounceKind;
  readonly category: BounceCategory;
}

/** What is classified: a reply as SMTP gave it, or as a DSN reports it (Status, Diagnostic-Code). */
export interface ReplyFacts {
  readonly code: number;
  readonly status?: EnhancedStatus;
  readonly text: string;
}

/** A failure with no reply at all (no connection, a timeout): nothing but time can help. */
const NO_REPLY: Classification = { kind: 'soft', category: 'transient', rule: 'no-reply' };

interface CompiledRule {
  readonly rule: BounceRule;
  readonly code?: RegExp;
  readonly status?: RegExp;
}

/** The one classifier (DESIGN §3 step 8): the operator's rules, then the shipped table. */
export class BounceClassifier {
  private readonly rules: readonly CompiledRule[];

  constructor(operatorRules: readonly BounceRule[] = []) {
    this.rules = [...operatorRules, ...DEFAULT_BOUNCE_RULES].map(compile);
  }

  /** A reply parsed from a remote server, or undefined when there was none (a connection error). */
  classify(reply: SmtpReply | undefined): Classification {
    if (!reply) return NO_REPLY;
    return this.classifyFacts({ code: reply.code, ...(reply.status ? { status: reply.status } : {}), text: reply.lines.join(' ') });
  }

  classifyFacts(facts: ReplyFacts): Classification {
    const code = String(facts.code);
    const status = facts.status ? `${facts.status.class}.${facts.status.subject}.${facts.status.detail}` : undefined;
    for (const c of this.rules) {
      if (c.code && !c.code.test(code)) continue;
      if (c.status && (status === undefined || !c.status.test(status))) continue;
      if (c.rule.text && !c.rule.text.test(facts.text)) continue;
      return { kind: c.rule.kind ?? (facts.code >= 500 ? 'hard' : 'soft'), category: c.rule.category, rule: c.rule.name };
    }
    // The shipped table ends with catch-alls; this is only reached with a rule-less table.
    return { kind: facts.code >= 500 ? 'hard' : 'soft', category: 'unknown', rule: 'none' };
  }
}

/** Whether a classification means the address itself is bad: the only bounces that suppress. */
export function suppressesAddress(c: { readonly kind: string; readonly category: string }): boolean {
  return c.kind === 'hard' && (c.category === 'bad-mailbox' || c.category === 'bad-domain');
}

/** "5xx" → /^5\d\d$/. */
export function codePattern(p: string): RegExp | undefined {
  if (!/^[245x][0-9x]{2}$/.test(p)) return undefined;
  return new RegExp(`^${p.replace(/x/g, '\\d')}$`);
}

/** "x.7.5xx" → /^\d\.7\.5\d\d$/, "5.7.*" → /^5\.7\.\d+$/. */
export function statusPattern(p: string): RegExp | undefined {
  const parts = p.split('.');
  if (parts.length !== 3 || !parts.every((s) => s === '*' || /^[0-9x]{1,3}$/.test(s))) return undefined;
  return new RegExp(`^${parts.map((s) => (s === '*' ? '\\d+' : s.replace(/x/g, '\\d'))).join('\\.')}$`);
}

function compile(rule: BounceRule): CompiledRule {
  const code = rule.code === undefined ? undefined : codePattern(rule.code);
  const status = rule.status === undefined ? undefined : statusPattern(rule.status);
  if (rule.code !== undefined && !code) throw new Error(`bounce rule "${rule.name}": code "${rule.code}" is not like "550" or "5xx"`);
  if (rule.status !== undefined && !status) throw new Error(`bounce rule "${rule.name}": status "${rule.status}" is not like "5.1.1" or "x.7.*"`);
  return { rule, ...(code ? { code } : {}), ...(status ? { status } : {}) };
}
