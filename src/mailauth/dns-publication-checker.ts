import type { Clock } from '../core/index.js';
import type { DkimKeyEvent } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { startRotation, type KeyAdminDeps } from './dkim-key-admin.js';
import type { DkimKeyRecord } from './dkim-key-store.js';
import type { DkimKeyring } from './dkim-keyring.js';
import { checkPublication, type Publication, type TxtLookup } from './dkim-record.js';
import { rotationSteps, type RotationPolicy, type RotationStep } from './dkim-rotation.js';

export interface CheckerDeps extends KeyAdminDeps {
  /** Our resolver; `clear()` before each round, so a record published a minute ago is seen, not a cached "no". */
  readonly dns: TxtLookup & { clear?(): void };
  readonly keyring: DkimKeyring;
  readonly intervalMs: number;
  readonly policy: RotationPolicy;
  /** Record a state change (the events store; the bus makes the log line). */
  readonly onEvent: (event: DkimKeyEvent) => void;
  readonly logger: Logger;
}

/**
 * Every `dkim.checkInterval` (and at start): asks DNS about each pending key,
 * switches to one DNS publishes, retires replaced keys after
 * `dkim.retireAfter`, starts the rotations `dkim.rotateEvery` asks for, then
 * reloads the keyring. Safe on several nodes at once: the store makes each
 * change once.
 */
export class DnsPublicationChecker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** The last status seen per pending key, so a wrong record is reported when it changes, not every round. */
  private readonly lastSeen = new Map<string, string>();

  constructor(private readonly deps: CheckerDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round; exposed for tests. Failures are logged, never thrown: the next round tries again. */
  async check(): Promise<void> {
    const { store, clock, logger } = this.deps;
    try {
      this.deps.dns.clear?.();
      const keys = await store.list();
      const publication = new Map<DkimKeyRecord, Publication>();
      await Promise.all(
        keys.filter((k) => k.state === 'pending-dns').map(async (k) => publication.set(k, await checkPublication(this.deps.dns, k))),
      );
      for (const [k, p] of publication) this.report(k, p);
      for (const id of this.lastSeen.keys()) if (!keys.some((k) => k.state === 'pending-dns' && `${k.domain}/${k.selector}` === id)) this.lastSeen.delete(id);
      const events: DkimKeyEvent[] = [];
      try {
        for (const step of rotationSteps(keys, (k) => publication.get(k), clock.now(), this.deps.policy)) events.push(...(await this.apply(step, keys)));
        // The keyring first: once an event says a key is active, it signs.
        await this.deps.keyring.refresh();
      } finally {
        for (const e of events) this.deps.onEvent(e);
      }
    } catch (err) {
      logger.error({ err }, 'dkim key check failed');
    }
  }

  /** Carry out one step; returns the events of the changes the store made (none when another node made them). */
  private async apply(step: RotationStep, keys: readonly DkimKeyRecord[]): Promise<DkimKeyEvent[]> {
    const { store, clock } = this.deps;
    const at = clock.now();
    switch (step.kind) {
      case 'activate':
        return (await store.activate(step.domain, step.selector, at)).map((c) => ({
          type: 'dkim-key',
          at,
          domain: c.domain,
          selector: c.selector,
          algorithm: c.algorithm,
          state: c.to,
          from: c.from,
          reason: c.to === 'active' ? 'dns published' : c.to === 'retiring' ? `replaced by ${step.selector}` : `superseded by ${step.selector}`,
        }));
      case 'retire': {
        const k = keys.find((x) => x.domain === step.domain && x.selector === step.selector);
        if (!k || !(await store.retire(step.domain, step.selector, at))) return [];
        return [{ type: 'dkim-key', at, domain: k.domain, selector: k.selector, algorithm: k.algorithm, state: 'retired', from: 'retiring', reason: 'retire-after elapsed' }];
      }
      case 'rotate': {
        const made = await startRotation(this.deps, step.domain, step.algorithm, 'rotate-every');
        for (const m of made) this.deps.logger.warn({ domain: m.domain, selector: m.selector, name: m.name, value: m.value }, 'dkim rotation started: publish this TXT record');
        return made.map((m) => m.event);
      }
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.check().finally(() => this.schedule(this.deps.intervalMs));
    }, delay);
    this.timer.unref();
  }

  private report(k: DkimKeyRecord, p: Publication): void {
    const id = `${k.domain}/${k.selector}`;
    const seen = p.status === 'published' ? p.status : `${p.status}: ${p.detail}`;
    if (this.lastSeen.get(id) === seen) return;
    this.lastSeen.set(id, seen);
    const fields = { domain: k.domain, selector: k.selector, dns: p.status, detail: 'detail' in p ? p.detail : undefined };
    if (p.status === 'wrong') this.deps.logger.warn(fields, 'dkim key not switched to: DNS publishes another record at its name');
    else if (p.status !== 'published') this.deps.logger.info(fields, 'dkim key waits for its DNS record');
  }
}
