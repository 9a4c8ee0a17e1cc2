import { isAsciiMailbox, newQueueId, replyToText, SmtpError, type Clock, type Mailbox, type MailParams, type Origin, type QueueId, type Stream } from '../../core/index.js';
import type { RejectedEvent } from '../../events/index.js';
import type { Intake } from '../../intake/index.js';
import type { Logger } from '../../log/index.js';
import { ALREADY_SENT, type SendLogEntry } from '../../queue/index.js';
import type { AuthenticatedUser } from '../../smtp/session-types.js';
import { ContentScanner } from '../../smtp/content-scanner.js';
import type { Idempotency } from '../idempotency/index.js';
import { ApiProblem } from '../problem.js';
import type { ApiCaller, ApiResult } from '../route.js';
import { apiUserName, type ApiChecks, type ApiKeySettingsSource, type Evaluation } from './api-checks.js';
import { refusalProblem, type QuotaView } from './refusals.js';
import type { ListenerConfig } from '../../config/index.js';
import type { RecipientStatus, SendAnswer } from './schemas.js';

/** A message ready for the checks: the envelope, the bytes, and what the caller said about it. */
export interface OutgoingMessage {
  readonly mailFrom: Mailbox;
  readonly recipients: readonly Mailbox[];
  /** RFC 5322 bytes; bare CR or LF are normalised here. */
  readonly content: Buffer;
  readonly stream?: Stream;
  readonly tags?: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
  readonly subject?: string;
  /** Queue at most once per (scope, key) (Submission.sendLog): campaigns and flows. */
  readonly sendLog?: SendLogEntry;
  /** The egress pool to send from (`egress.pools`), chosen by the sender (a campaign's `pool`); stored in the origin. */
  readonly pool?: string;
}

export interface ApiSenderDeps {
  readonly intake: Intake;
  readonly checks: ApiChecks;
  readonly keys: ApiKeySettingsSource;
  readonly idempotency: Idempotency;
  readonly quotas: QuotaView;
  readonly clock: Clock;
  readonly listener: ListenerConfig;
  readonly limits: { readonly messageSize: number; readonly lineLength: number; readonly recipientsPerMessage: number };
  /** A refused message or recipient: written to the events like an SMTP refusal. */
  readonly onRejected: (event: RejectedEvent) => void;
  readonly logger: Logger;
}

/** One send request as the routes see it. */
export interface SendRequest {
  readonly caller: ApiCaller;
  readonly ip: string;
  readonly idempotencyKey: string | string[] | undefined;
  /** Method, path, query and body: two requests with the same key must have the same fingerprint. */
  readonly fingerprint: readonly (string | Buffer)[];
  /** Builds the message (composition, decoding): run once per key, never on a replay. */
  readonly build: () => Promise<OutgoingMessage> | OutgoingMessage;
}

/**
 * The intake bridge: a message from the API goes through the same checks as
 * the submission role's (api-checks.ts) and the same intake as SMTP mail
 * (aliases, suppression, streams, transforms), under the API key's identity.
 * It answers 202 only once the enqueue has committed (the intake promise).
 */
export class ApiSender {
  constructor(private readonly deps: ApiSenderDeps) {}

  send(req: SendRequest): Promise<ApiResult> {
    return this.deps.idempotency.run({ owner: req.caller.name, header: req.idempotencyKey, fingerprint: req.fingerprint }, (queueId, prepare) =>
      this.sendOnce(req, queueId, prepare),
    );
  }

  /**
   * Send a message built in this process (campaigns, flows, double opt-in
   * mail) as `caller`: the same checks, quotas and intake as `send`, without
   * the Idempotency-Key (a `sendLog` entry makes it exactly-once instead).
   * Fails with ApiProblem as `send` does, or with the intake's QueueStoreError
   * code ALREADY_SENT when the send log already holds the entry.
   */
  async sendPrepared(caller: ApiCaller, msg: OutgoingMessage, ip = '127.0.0.1'): Promise<SendAnswer> {
    const queueId = newQueueId(this.deps.clock);
    const result = await this.sendOnce({ caller, ip, idempotencyKey: undefined, fingerprint: [], build: () => msg }, queueId, async () => {});
    return result.body as SendAnswer;
  }

  private async sendOnce(req: SendRequest, queueId: QueueId, prepare: (a: ApiResult) => Promise<void>): Promise<ApiResult> {
    const msg = await req.build();
    const { caller, ip } = req;
    if (msg.recipients.length > this.deps.limits.recipientsPerMessage) {
      throw new ApiProblem('validation', `at most ${this.deps.limits.recipientsPerMessage} recipients per message (limits.recipientsPerMessage); send the rest in another request`);
    }
    const scanned = this.scan(msg.content);
    const settings = await this.deps.keys.settingsFor(caller.name);
    const user: AuthenticatedUser = {
      name: apiUserName(caller.name),
      // A key without domains may send as any domain (route.ts ApiCaller), like a user with "*".
      domains: caller.domains.length > 0 ? caller.domains : ['*'],
      settings: { ...(settings?.limits ? { limits: settings.limits } : {}), ...(settings?.stream ? { stream: settings.stream } : {}) },
    };
    const session = { clientIp: ip, clientPort: 0, listener: this.deps.listener, trusted: false, tls: false, user };
    const utf8 = !isAsciiMailbox(msg.mailFrom) || msg.recipients.some((r) => !isAsciiMailbox(r));
    const params: MailParams = { ...(scanned.facts.firstEightBit !== undefined ? { body: '8BITMIME' as const } : {}), ...(utf8 ? { smtputf8: true } : {}) };
    const evaluation = await this.deps.checks.evaluate({
      session,
      sender: msg.mailFrom,
      params,
      recipients: msg.recipients.map((address) => ({ address })),
      content: scanned.message,
      facts: scanned.facts,
    });
    const sender = `${msg.mailFrom.local}@${msg.mailFrom.domain}`;
    if (evaluation.kind === 'refused') {
      this.record(ip, evaluation.stage, evaluation.reply, evaluation.check, sender);
      throw refusalProblem(evaluation, user, this.deps.quotas, this.deps.clock.now());
    }
    const recipients = this.statuses(evaluation, ip, sender);
    const accepted = evaluation.recipients.filter((v) => !v.refused).map((v) => v.recipient);
    if (accepted.length === 0) {
      throw new ApiProblem('rejected', 'every recipient was refused; nothing was sent', { recipients });
    }
    const answer: SendAnswer = { id: queueId, recipients };
    const result: ApiResult = { status: 202, body: answer };
    const stream = msg.stream ?? settings?.stream;
    const origin: Origin = { kind: 'api', apiKey: caller.name, user: user.name, clientIp: ip, ...(stream === 'bulk' ? { stream } : {}), ...(msg.pool !== undefined ? { pool: msg.pool } : {}) };
    await prepare(result);
    try {
      await this.deps.intake.submit({
        queueId,
        mailFrom: msg.mailFrom,
        recipients: accepted,
        params,
        origin,
        content: scanned.message,
        isSubmission: true,
        checkEdits: evaluation.edits,
        ...(evaluation.hold ? { hold: evaluation.hold } : {}),
        // X-Baton-Stream in a raw message names the stream only when the request did not.
        mayChooseStream: msg.stream === undefined,
        ...(msg.sendLog ? { sendLog: msg.sendLog } : {}),
        annotations: { ...(msg.tags ? { tags: msg.tags } : {}), ...(msg.metadata ? { metadata: msg.metadata } : {}), ...(msg.subject !== undefined ? { subject: msg.subject } : {}) },
      });
    } catch (err) {
      if ((err as { code?: string }).code === ALREADY_SENT) throw err;
      throw this.intakeProblem(err, queueId);
    }
    return result;
  }

  /** The bytes as SMTP would store them: size and line limits measured, bare CR/LF made CRLF. */
  private scan(content: Buffer): { message: Buffer; facts: import('../../smtp/content-scanner.js').ContentFacts } {
    // Normalised, not refused as `bareLineEndings: reject` does on SMTP: smuggling needs SMTP's
    // end-of-data framing, which an HTTP body (framed by its length) has none of; what matters
    // is that the stored and relayed bytes are CRLF only, and they are.
    const scanner = new ContentScanner({ maxSize: this.deps.limits.messageSize, maxLine: this.deps.limits.lineLength, normalizeBareLineEndings: true });
    scanner.push(content);
    const r = scanner.finish();
    if (!r.ok) throw new ApiProblem('too-large', `the message is larger than limits.messageSize (${this.deps.limits.messageSize} bytes)`);
    return r;
  }

  private statuses(e: Extract<Evaluation, { kind: 'pass' }>, ip: string, sender: string): RecipientStatus[] {
    return e.recipients.map((v) => {
      const address = `${v.recipient.address.local}@${v.recipient.address.domain}`;
      if (!v.refused) return { address, status: 'queued' as const };
      this.record(ip, 'rcpt', v.refused.reply, v.refused.check, sender, address);
      return { address, status: v.refused.check === 'suppression' ? ('suppressed' as const) : ('rejected' as const), reason: replyToText(v.refused.reply) };
    });
  }

  private record(ip: string, stage: RejectedEvent['stage'], reply: RejectedEvent['reply'], check: string, sender: string, recipient?: string): void {
    this.deps.onRejected({ type: 'rejected', at: this.deps.clock.now(), stage, reply, clientIp: ip, check, sender, ...(recipient ? { recipient } : {}) });
  }

  /** Intake refused (bulk without unsubscribe: 422) or could not commit (503: nothing was queued, try again). */
  private intakeProblem(err: unknown, queueId: string): ApiProblem {
    if (err instanceof SmtpError && !err.isTemporary) {
      return new ApiProblem('rejected', `${replyToText(err.reply)}`, { smtp: replyToText(err.reply) });
    }
    this.deps.logger.error({ err, queueId }, 'API send: the queue did not take the message');
    const why = err instanceof SmtpError ? replyToText(err.reply) : 'the queue could not store the message';
    return new ApiProblem('temporary-failure', `${why}; nothing was queued, retry later`, {}, { 'Retry-After': '30' });
  }
}
