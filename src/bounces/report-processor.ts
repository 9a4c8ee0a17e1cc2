import { parseStatus, type Clock, type QueueId } from '../core/index.js';
import { suppressesAddress, type BounceClassifier, type Classification, type ReplyFacts } from '../delivery/index.js';
import type { BounceReceivedEvent, ComplainedEvent, EventStore } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { Suppressions } from '../suppression/index.js';
import { suppressFor } from './feedback-suppressor.js';
import { findOriginal, recipientOf, type OriginalMessage } from './original.js';
import type { ReportTarget } from './report-addresses.js';
import { parseReport, type DsnRecipientReport, type ParsedReport } from './report-parse.js';
import { VerpTokens } from './verp-token.js';

export interface ReportProcessorDeps {
  readonly events: Pick<EventStore, 'append' | 'eventsFor'>;
  readonly suppressions: Suppressions;
  readonly classifier: BounceClassifier;
  /** Verifies tokens found inside reports (an ARF's Original-Mail-From, an enclosed Return-Path). */
  readonly tokens: VerpTokens | undefined;
  readonly bounceDomain: string | undefined;
  readonly bounceScope: 'global' | 'domain';
  readonly complaintScope: 'global' | 'domain';
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface IncomingReport {
  readonly content: Buffer;
  /** The report addresses it was sent to (RCPT). */
  readonly targets: readonly ReportTarget[];
  /** The client that sent it, named when the report names no reporter. */
  readonly clientIp?: string;
}

/**
 * Processes a bounce or a feedback report that arrived at one of our report
 * addresses (docs/deliverability.md "Return path (VERP)", "Complaints
 * (ARF)"): reads it, matches it to the original message (the queue id in the
 * VERP token) and recipient (checked against the original's recipients, so a
 * report cannot suppress an address the message was not sent to), classifies
 * it with the same rules as synchronous replies, records an event and, for a
 * hard bounce of a bad mailbox or domain or a complaint, suppresses the
 * recipient. Resolves when all of that is durable. A report that cannot be
 * read or matched is recorded as such and suppresses nothing; it is never
 * answered with a bounce (no backscatter).
 */
export class ReportProcessor {
  constructor(private readonly deps: ReportProcessorDeps) {}

  async process(report: IncomingReport): Promise<void> {
    const parsed = await parseReport(report.content);
    const queueId = this.queueIdOf(report.targets, parsed);
    const original = queueId ? await findOriginal(this.deps.events, queueId) : undefined;
    const unmatched = !queueId ? 'no return-path token of ours' : !original ? `message ${queueId} unknown (or its events expired)` : undefined;
    const events = parsed.kind === 'arf' ? await this.complaint(parsed, original, report) : await this.bounces(parsed, original, report);
    const withReason = unmatched ? events.map((e) => (e.unmatched ? e : { ...e, unmatched })) : events;
    await this.deps.events.append(withReason);
    for (const e of withReason) if (e.unmatched) this.deps.logger.warn({ queueId: e.queueId, client: report.clientIp, format: e.type === 'complained' ? 'arf' : e.format, why: e.unmatched }, 'report not matched; nothing suppressed');
  }

  /** The token of the address it came to, else one found in the report (for reports sent to a complaint address). */
  private queueIdOf(targets: readonly ReportTarget[], parsed: ParsedReport): QueueId | undefined {
    for (const t of targets) if (t.kind === 'bounce') return t.queueId;
    const candidates = [parsed.kind === 'arf' ? parsed.originalMailFrom : undefined, parsed.original?.returnPath];
    for (const address of candidates) {
      const queueId = address !== undefined ? this.verifyAddress(address) : undefined;
      if (queueId) return queueId;
    }
    return undefined;
  }

  private verifyAddress(address: string): QueueId | undefined {
    const at = address.lastIndexOf('@');
    if (at < 0 || !this.deps.tokens || address.slice(at + 1).toLowerCase() !== this.deps.bounceDomain) return undefined;
    const token = VerpTokens.tokenOf(address.slice(0, at));
    return token !== undefined ? this.deps.tokens.verify(token) : undefined;
  }

  private async bounces(parsed: ParsedReport, original: OriginalMessage | undefined, report: IncomingReport): Promise<BounceReceivedEvent[]> {
    const at = this.deps.clock.now();
    const base = { type: 'bounce-received' as const, at, ...(original ? { queueId: original.queueId } : {}) };
    switch (parsed.kind) {
      case 'dsn': {
        const reportedBy = parsed.reportingMta ?? report.clientIp;
        if (parsed.recipients.length === 0) return [{ ...base, format: 'dsn', unmatched: 'the DSN reports no recipient', ...(reportedBy ? { reportedBy } : {}) }];
        const out: BounceReceivedEvent[] = [];
        for (const r of parsed.recipients) out.push(await this.dsnRecipient(base, r, original, reportedBy));
        return out;
      }
      case 'pattern': {
        const b = parsed.bounce;
        const status = b.status !== undefined ? parseStatus(b.status) : undefined;
        const classification = this.deps.classifier.classifyFacts({ code: b.code, text: b.text, ...(status ? { status } : {}) });
        const event: BounceReceivedEvent = {
          ...base,
          format: 'pattern',
          action: b.code >= 500 ? 'failed' : 'delayed',
          diagnostic: `${b.code}${b.status ? ` ${b.status}` : ''} ${b.text}`,
          classification,
          ...(report.clientIp ? { reportedBy: report.clientIp } : {}),
        };
        return [await this.matchAndSuppress(event, original, [b.recipient], b.code >= 500)];
      }
      case 'unrecognised':
        return [{ ...base, format: 'unrecognised', unmatched: parsed.reason, ...(report.clientIp ? { reportedBy: report.clientIp } : {}) }];
      case 'arf':
        return [];
    }
  }

  private async dsnRecipient(base: Pick<BounceReceivedEvent, 'type' | 'at' | 'queueId'>, r: DsnRecipientReport, original: OriginalMessage | undefined, reportedBy: string | undefined): Promise<BounceReceivedEvent> {
    // RFC 3464 §2.3.3: only "failed" and "delayed" report a problem; delivered, relayed, expanded are news, not bounces.
    const problem = r.action === undefined || r.action === 'failed' || r.action === 'delayed';
    const classification = problem ? this.classifyDsn(r) : undefined;
    const event: BounceReceivedEvent = {
      ...base,
      format: 'dsn',
      ...(r.action ? { action: r.action } : {}),
      ...(r.status ? { status: r.status } : {}),
      ...(r.diagnostic ? { diagnostic: r.diagnostic } : {}),
      ...(classification ? { classification } : {}),
      ...(reportedBy ? { reportedBy } : {}),
    };
    const failed = r.action === 'failed' || (r.action === undefined && r.status?.startsWith('5.') === true);
    return this.matchAndSuppress(event, original, [r.originalRecipient, r.finalRecipient], failed);
  }

  /** RFC 3464 §2.3.4 Status decides the enhanced code; the Diagnostic-Code gives the remote reply's code and text. */
  private classifyDsn(r: DsnRecipientReport): Classification {
    const m = /^([245]\d\d)[ -](?:#?([245]\.\d{1,3}\.\d{1,3})\s*)?(.*)$/s.exec(r.diagnostic ?? '');
    const status = parseStatus(r.status ?? m?.[2] ?? '');
    const code = m ? Number(m[1]) : status ? status.class * 100 + 50 : r.action === 'delayed' ? 450 : 550;
    const facts: ReplyFacts = { code, text: m ? (m[3] ?? '') : (r.diagnostic ?? ''), ...(status ? { status } : {}) };
    return this.deps.classifier.classifyFacts(facts);
  }

  /**
   * The recipient is the original's, named by the report, or the original's
   * only recipient when the report names none (VERP is per message). A hard
   * bounce of a bad mailbox or domain suppresses it.
   */
  private async matchAndSuppress(event: BounceReceivedEvent, original: OriginalMessage | undefined, named: readonly (string | undefined)[], failed: boolean): Promise<BounceReceivedEvent> {
    if (!original) return event;
    const givenNames = named.filter((n) => n !== undefined);
    const recipient = givenNames.length > 0 ? recipientOf(original, givenNames) : original.recipients.length === 1 ? original.recipients[0] : undefined;
    if (!recipient) {
      return { ...event, unmatched: givenNames.length > 0 ? `${givenNames.join(', ')} is not a recipient of the message` : 'the report names no recipient and the message had several' };
    }
    if (failed && event.classification && suppressesAddress(event.classification)) {
      await suppressFor(this.deps.suppressions, original, { address: recipient, reason: 'hard-bounce', source: original.queueId, scope: this.deps.bounceScope });
    }
    return { ...event, recipient };
  }

  /**
   * RFC 5965: the complainer is Original-Rcpt-To (§3.2), else the enclosed
   * original's To, else the original's only recipient; it must be one of
   * the original's recipients. A "not-spam" report (§7.3) suppresses nothing.
   */
  private async complaint(parsed: Extract<ParsedReport, { kind: 'arf' }>, original: OriginalMessage | undefined, report: IncomingReport): Promise<ComplainedEvent[]> {
    const reportedBy = parsed.reportedBy ?? report.clientIp;
    const event: ComplainedEvent = {
      type: 'complained',
      at: this.deps.clock.now(),
      ...(original ? { queueId: original.queueId } : {}),
      ...(parsed.feedbackType ? { feedbackType: parsed.feedbackType } : {}),
      ...(reportedBy ? { reportedBy } : {}),
    };
    if (!original) return [event];
    const named = [...parsed.originalRcptTo, ...(parsed.original?.to ?? [])];
    const complainer = recipientOf(original, named) ?? (original.recipients.length === 1 ? original.recipients[0] : undefined);
    if (!complainer) return [{ ...event, unmatched: 'the complainer is not one of the message recipients' }];
    if (parsed.feedbackType !== 'not-spam') {
      await suppressFor(this.deps.suppressions, original, { address: complainer, reason: 'complaint', source: `arf:${reportedBy ?? 'unknown'}`, scope: this.deps.complaintScope });
    }
    return [{ ...event, recipient: complainer }];
  }
}

