import type { Clock } from '../../core/index.js';
import type { Campaign, CampaignDefinition, CampaignProgress, CampaignState, CampaignStats, CampaignStore } from './campaign-store.js';
import { parseFrom } from './contact-mailer.js';
import { rateInterval } from './rate.js';

/** What the API answers for a campaign (common.md "CampaignView"). */
export interface CampaignView {
  readonly id: number;
  readonly name: string;
  readonly state: CampaignState;
  readonly template: number;
  readonly segment: number;
  readonly from: string;
  readonly stream: 'bulk' | 'transactional';
  readonly pool?: string;
  readonly rate?: string;
  readonly sendAt?: number;
  readonly apiKey: string;
  readonly note?: string;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly progress: CampaignProgress;
  readonly stats: CampaignStats;
}

/** Why an action was refused: no such campaign, a bad definition, or the wrong state for it. */
export class CampaignError extends Error {
  override readonly name = 'CampaignError';
  constructor(
    readonly kind: 'not-found' | 'invalid' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

export interface CampaignServiceDeps {
  readonly store: CampaignStore;
  readonly clock: Clock;
  /** Whether a template / segment / egress pool exists (absent: not checked, e.g. before that part is wired). */
  readonly templateExists?: (id: number) => Promise<boolean>;
  readonly segmentExists?: (id: number) => Promise<boolean>;
  readonly poolExists?: (name: string) => boolean;
  /** Called after a state change the runner should act on at once (send, resume): wakes it on this node. */
  readonly onChange?: () => void;
}

/** The actions and their allowed source states (the state machine in docs/campaigns.md). */
const ACTIONS = {
  pause: { from: ['scheduled', 'sending'], to: 'paused' },
  cancel: { from: ['draft', 'scheduled', 'sending', 'paused'], to: 'cancelled' },
} as const satisfies Record<string, { from: readonly CampaignState[]; to: CampaignState }>;

/** Campaign definitions and their state machine, for the API routes and the CLI. */
export class CampaignService {
  constructor(private readonly deps: CampaignServiceDeps) {}

  async create(def: CampaignDefinition): Promise<CampaignView> {
    if (!parseFrom(def.from)) throw new CampaignError('invalid', `from "${def.from}" is not "Name <local@domain>" or "local@domain"`);
    if (def.rate !== undefined && rateInterval(def.rate) === undefined) throw new CampaignError('invalid', `rate "${def.rate}" is not N/s, N/min, N/h or N/d`);
    if (def.pool !== undefined && this.deps.poolExists && !this.deps.poolExists(def.pool)) throw new CampaignError('invalid', `pool "${def.pool}" is not in egress.pools`);
    if (this.deps.templateExists && !(await this.deps.templateExists(def.templateId))) throw new CampaignError('invalid', `template ${def.templateId} does not exist`);
    if (this.deps.segmentExists && !(await this.deps.segmentExists(def.segmentId))) throw new CampaignError('invalid', `segment ${def.segmentId} does not exist`);
    return this.view(await this.deps.store.create(def, this.deps.clock.now()));
  }

  async get(id: number): Promise<CampaignView> {
    return this.view(await this.found(id));
  }

  async list(limit: number, before?: number): Promise<{ items: CampaignView[]; next?: number }> {
    const rows = await this.deps.store.list(limit + 1, before);
    const page = rows.slice(0, limit);
    const items = await Promise.all(page.map((c) => this.view(c)));
    const last = page[page.length - 1];
    return rows.length > limit && last ? { items, next: last.id } : { items };
  }

  /** draft → sending (or scheduled when sendAt is in the future). */
  async send(id: number): Promise<CampaignView> {
    const c = await this.found(id);
    const now = this.deps.clock.now();
    const to = c.sendAt !== undefined && c.sendAt > now ? 'scheduled' : 'sending';
    return this.move(c, ['draft'], to, 'send');
  }

  /** paused → sending (or scheduled when it never started and sendAt is still ahead). */
  async resume(id: number): Promise<CampaignView> {
    const c = await this.found(id);
    const to = c.startedAt === undefined && c.sendAt !== undefined && c.sendAt > this.deps.clock.now() ? 'scheduled' : 'sending';
    return this.move(c, ['paused'], to, 'resume');
  }

  async pause(id: number): Promise<CampaignView> {
    return this.move(await this.found(id), ACTIONS.pause.from, ACTIONS.pause.to, 'pause', 'paused by an operator');
  }

  async cancel(id: number): Promise<CampaignView> {
    return this.move(await this.found(id), ACTIONS.cancel.from, ACTIONS.cancel.to, 'cancel');
  }

  async failures(id: number, limit: number) {
    await this.found(id);
    return this.deps.store.failures(id, limit);
  }

  async view(c: Campaign): Promise<CampaignView> {
    const [progress, stats] = await Promise.all([this.deps.store.progress(c.id), this.deps.store.stats(c.id)]);
    return {
      id: c.id,
      name: c.name,
      state: c.state,
      template: c.templateId,
      segment: c.segmentId,
      from: c.from,
      stream: c.stream,
      ...(c.pool !== undefined ? { pool: c.pool } : {}),
      ...(c.rate !== undefined ? { rate: c.rate } : {}),
      ...(c.sendAt !== undefined ? { sendAt: c.sendAt } : {}),
      apiKey: c.apiKey,
      ...(c.note !== undefined ? { note: c.note } : {}),
      createdAt: c.createdAt,
      ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt !== undefined ? { finishedAt: c.finishedAt } : {}),
      // Before the audience is selected it is unknown: progress shows zeros.
      progress,
      stats,
    };
  }

  private async found(id: number): Promise<Campaign> {
    const c = await this.deps.store.get(id);
    if (!c) throw new CampaignError('not-found', `no campaign ${id}`);
    return c;
  }

  private async move(c: Campaign, from: readonly CampaignState[], to: CampaignState, action: string, note?: string): Promise<CampaignView> {
    const moved = from.includes(c.state) ? await this.deps.store.transition(c.id, from, to, this.deps.clock.now(), note) : undefined;
    if (!moved) {
      const now = (await this.deps.store.get(c.id))?.state ?? c.state;
      throw new CampaignError('conflict', `cannot ${action} campaign ${c.id}: it is ${now} (${action} needs ${from.join(' or ')})`);
    }
    if (to === 'sending' || to === 'scheduled') this.deps.onChange?.();
    return this.view(moved);
  }
}
