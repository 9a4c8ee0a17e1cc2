import type { Clock } from '../../../core/index.js';
import type { Logger } from '../../../log/index.js';
import type { TlsResultSink, TlsSessionResult } from '../host-tls.js';
import { isReported, sessionOutcome } from './result-types.js';
import { utcDay } from './days.js';
import { policyKey, type LastTlsResult, type TlsRptCount, type TlsRptStore } from './tlsrpt-store.js';

/**
 * The TLS-RPT result sink (RFC 8460 §4): every new outbound connection's TLS
 * result, counted in memory and written to the store as increments every
 * `flushMs` by `flush()`. `record` runs on the delivery path for each fresh
 * connection, so it only builds a key and bumps a number.
 *
 * What a crash loses: the counts since the last flush (a few seconds), the
 * same trade the sending counters make (quotas/sqlite-sending-counters.ts).
 */
export class TlsRptRecorder implements TlsResultSink {
  private pending = new Map<string, TlsRptCount>();
  private last = new Map<string, LastTlsResult>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { readonly store: TlsRptStore; readonly clock: Clock; readonly logger: Logger; readonly flushMs?: number }) {}

  record(result: TlsSessionResult): void {
    const now = this.deps.clock.now();
    const outcome = sessionOutcome(result);
    const label = `${outcome.success ? 'success' : outcome.resultType} (${result.policy.type})`;
    this.last.set(result.recipientDomain.toLowerCase(), { domain: result.recipientDomain.toLowerCase(), at: now, result: label });
    if (!isReported(result.policy.type)) return;
    const count: TlsRptCount = {
      day: utcDay(now),
      reportDomain: result.recipientDomain.toLowerCase(),
      policy: { type: result.policy.type, domain: result.policy.domain.toLowerCase(), strings: result.policy.strings ?? [], mxHost: result.policy.mxHost ?? [] },
      resultType: outcome.success ? '' : outcome.resultType,
      // The egress source's address when one was bound; else left out of the report (the host's default route chose it).
      sendingIp: result.sendingIp ?? '',
      receivingMx: result.mxHost.toLowerCase(),
      receivingIp: result.ip,
      count: 1,
    };
    this.bump(count);
  }

  async lastResult(recipientDomain: string): Promise<{ at: number; result: string } | undefined> {
    const domain = recipientDomain.toLowerCase();
    const mine = this.last.get(domain);
    const stored = await this.deps.store.lastResult(domain);
    const latest = mine && (!stored || mine.at >= stored.at) ? mine : stored;
    return latest ? { at: latest.at, result: latest.result } : undefined;
  }

  /** Write what was counted since the last flush; on failure it is kept for the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writePending());
    return this.flushing;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.deps.flushMs ?? 5000);
    this.timer.unref();
  }

  /** Stop the timer and write the rest. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private bump(c: TlsRptCount): void {
    const key = `${c.day}\0${c.reportDomain}\0${policyKey(c.policy)}\0${c.resultType}\0${c.sendingIp}\0${c.receivingMx}\0${c.receivingIp}`;
    const had = this.pending.get(key);
    this.pending.set(key, had ? { ...had, count: had.count + c.count } : c);
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0 && this.last.size === 0) return;
    const counts = [...this.pending.values()];
    const last = [...this.last.values()];
    this.pending = new Map();
    this.last = new Map();
    try {
      await this.deps.store.add(counts, last);
    } catch (err) {
      this.deps.logger.error({ err, counts: counts.length }, 'writing the TLS-RPT counts failed; kept for the next flush');
      for (const c of counts) this.bump(c);
      for (const l of last) if ((this.last.get(l.domain)?.at ?? -1) < l.at) this.last.set(l.domain, l);
    }
  }
}
