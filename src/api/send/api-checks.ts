import type { CheckName, ListenerConfig } from '../../config/index.js';
import type { HeaderEdits, Mailbox, MailParams, Recipient, SmtpReply, Stream } from '../../core/index.js';
import { StageChecks, type StageHold } from '../../smtp/policy/check-runner.js';
import type { AnyCheck, CheckStage, SessionFacts } from '../../smtp/policy/check.js';
import type { ContentFacts } from '../../smtp/content-scanner.js';
import { containmentCheck } from '../../smtp/policy/checks/containment-hold.js';
import type { ContainedState, UserLimits } from '../../users/index.js';
import type { Logger } from '../../log/index.js';

/**
 * The submission role's checks, run for a message that came over HTTP: an
 * "API session" stands in for the SMTP session (DESIGN §9 Check: the checks
 * know only `SessionFacts`, never the protocol). The API key is the
 * authenticated user, named `api:NAME` so its quotas and containment never
 * mix with an SMTP user's.
 *
 * Run: the mail, rcpt and content stages (sender-ownership, relay-access,
 * local-recipients, suppression, sending-quota, recipient-quota,
 * message-format, hop-limit, containment, scanners, milters: whatever
 * `checks.submission` lists). Not run: the connect, helo and auth stages
 * (connection-rate, pregreet, helo, auth-failures): there is no SMTP
 * connection, greeting or login; the API has its own key check and rate
 * limits (api/server.ts). Checks that skip authenticated clients (mail-auth,
 * greylist, dnsbl, unknown-sender) skip API mail as they skip SMTP users'.
 */

/** What an API key carries besides its scopes (stored with the key; `baton api-key set`). */
export interface ApiKeySettings {
  /** Its mail's stream unless a request names one. */
  readonly stream?: Stream;
  /** Sending limits, like a user's (`quotas`). */
  readonly limits?: UserLimits;
  /** Set when the key is contained: its mail is queued held. */
  readonly contained?: ContainedState;
}

export interface ApiKeySettingsSource {
  settingsFor(name: string): ApiKeySettings | undefined | Promise<ApiKeySettings | undefined>;
}

/** The user name an API key's mail is counted under; the users store refuses SMTP users named "api:..." so the two never collide. */
export function apiUserName(keyName: string): string {
  return `api:${keyName}`;
}

const SESSION_STAGES: readonly CheckStage[] = ['connect', 'helo', 'auth'];

/** A refusal of the whole message. */
export interface Refusal {
  readonly kind: 'refused';
  readonly stage: 'mail' | 'rcpt' | 'data';
  readonly reply: SmtpReply;
  readonly check: string;
  /** At rcpt: the recipients accepted before the refused one (the recipient quota counts them). */
  readonly accepted?: number;
}

export interface RecipientVerdict {
  readonly recipient: Recipient;
  /** Absent: accepted. */
  readonly refused?: { readonly reply: SmtpReply; readonly check: string };
}

export type Evaluation =
  | Refusal
  | { readonly kind: 'pass'; readonly recipients: readonly RecipientVerdict[]; readonly edits: readonly HeaderEdits[]; readonly hold?: StageHold };

export interface ApiMessageFacts {
  readonly session: SessionFacts;
  readonly sender: Mailbox;
  readonly params: MailParams;
  readonly recipients: readonly Recipient[];
  readonly content: Buffer;
  readonly facts: ContentFacts;
}

export class ApiChecks {
  private readonly checks: StageChecks;
  /** The checks left out, for the start log and docs. */
  readonly skipped: readonly string[];

  constructor(
    names: readonly CheckName[],
    available: Readonly<Record<CheckName, AnyCheck>>,
    keys: ApiKeySettingsSource,
    opts: { readonly timeoutMs: number; readonly logger: Logger },
  ) {
    // Containment of an API key is read from the key, not from the users store.
    const containment = containmentCheck({
      containedState: (user) => {
        const s = keys.settingsFor(user.slice('api:'.length));
        return s instanceof Promise ? s.then((v) => v?.contained) : s?.contained;
      },
    });
    const chosen = names.map((n) => (n === 'containment' ? (containment as AnyCheck) : available[n]));
    this.checks = new StageChecks(chosen.filter((c) => !SESSION_STAGES.includes(c.stage)), opts);
    this.skipped = chosen.filter((c) => SESSION_STAGES.includes(c.stage)).map((c) => c.name);
  }

  /** Mail, then each recipient, then the content; the first 4xx or a mail/content refusal ends it. */
  async evaluate(m: ApiMessageFacts): Promise<Evaluation> {
    const { session, sender, params } = m;
    const mail = await this.checks.run('mail', { session, sender, params });
    if (mail.kind === 'refuse') return { kind: 'refused', stage: 'mail', reply: mail.reply, check: mail.check };
    const verdicts: RecipientVerdict[] = [];
    const accepted: Recipient[] = [];
    for (const recipient of m.recipients) {
      const o = await this.checks.run('rcpt', { session, sender, params, recipient, accepted });
      if (o.kind === 'pass') {
        accepted.push(recipient);
        verdicts.push({ recipient });
        continue;
      }
      // A temporary refusal (a quota, a lookup that failed) holds for the whole request: partial sends would surprise.
      if (o.reply.code < 500) return { kind: 'refused', stage: 'rcpt', reply: o.reply, check: o.check, accepted: accepted.length };
      verdicts.push({ recipient, refused: { reply: o.reply, check: o.check } });
    }
    if (accepted.length === 0) return { kind: 'pass', recipients: verdicts, edits: [] };
    const content = await this.checks.run('content', { session, sender, params, recipients: accepted, message: m.content, facts: m.facts });
    if (content.kind === 'refuse') return { kind: 'refused', stage: 'data', reply: content.reply, check: content.check };
    return { kind: 'pass', recipients: verdicts, edits: content.edits, ...(content.hold ? { hold: content.hold } : {}) };
  }
}

/** The listener the API session claims to be: no check reads it, but the type asks for one. */
export function apiListener(address: string): ListenerConfig {
  return { address, role: 'submission', allowPlaintextAuth: false };
}
