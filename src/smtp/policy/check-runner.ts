import { SmtpError, toWireReply, type HeaderEdits, type SmtpReply } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { AnyCheck, Check, CheckStage, StageInputs, Verdict } from './check.js';

/** The outcome of one stage's checks. */
export type StageOutcome =
  /** `edits`: the header edits content checks asked for, in check order; `hold`: the first check that asked to hold the message. */
  | { readonly kind: 'pass'; readonly edits: readonly HeaderEdits[]; readonly hold?: StageHold }
  | { readonly kind: 'refuse'; readonly reply: SmtpReply; readonly check: string };

/** A content check asked for the message to be queued held (DESIGN §7 hold). */
export interface StageHold {
  readonly check: string;
  readonly reason: string;
}

const PASS: StageOutcome = { kind: 'pass', edits: [] };

/** What `headers` verdicts asked for so far in a stage. */
interface Asked {
  readonly edits: HeaderEdits[];
  hold?: StageHold;
}

/** What the runner needs of a check besides running it. */
type CheckInfo = Pick<Check<CheckStage>, 'name' | 'stage' | 'onFailure' | 'timeoutMs'>;

/**
 * Runs the checks of one listener role, stage by stage, in configured order.
 * The first reject or defer ends the stage; accept ends it as a pass;
 * `headers` verdicts accumulate. While every check answers synchronously no
 * promise is made, so trusted traffic through the cheap checks costs a loop.
 */
export class StageChecks {
  private readonly byStage = new Map<CheckStage, Plan<CheckStage>>();

  constructor(
    checks: readonly AnyCheck[],
    private readonly opts: { readonly timeoutMs: number; readonly logger: Logger },
  ) {
    const lists = new Map<CheckStage, AnyCheck[]>();
    for (const c of checks) lists.set(c.stage, [...(lists.get(c.stage) ?? []), c]);
    for (const [stage, list] of lists) this.byStage.set(stage, plan(list as Check<CheckStage>[]));
  }

  /** Whether any check runs at this stage (the session then skips building its input). */
  has(stage: CheckStage): boolean {
    return this.byStage.has(stage);
  }

  run<S extends CheckStage>(stage: S, input: StageInputs[S]): StageOutcome | Promise<StageOutcome> {
    const stagePlan = this.byStage.get(stage) as Plan<S> | undefined;
    if (!stagePlan) return PASS;
    return this.from(stagePlan, 0, input, { edits: [] });
  }

  private from<S extends CheckStage>(stagePlan: Plan<S>, start: number, input: StageInputs[S], asked: Asked): StageOutcome | Promise<StageOutcome> {
    const { checks: list, group } = stagePlan;
    for (let i = start; i < list.length; i++) {
      const check = list[i] as Check<S>;
      const size = group[i] as number;
      if (size > 1) return this.together(stagePlan, i, size, input, asked);
      const verdict = this.start(check, input);
      if (verdict instanceof Promise) {
        return this.bounded(check, verdict).then((v) => this.decide(check, v, asked) ?? this.from(stagePlan, i + 1, input, asked));
      }
      const decided = this.decide(check, verdict, asked);
      if (decided) return decided;
    }
    return asked.edits.length === 0 && !asked.hold ? PASS : passed(asked);
  }

  private start<S extends CheckStage>(check: Check<S>, input: StageInputs[S]): Verdict | Promise<Verdict> {
    try {
      return check.run(input);
    } catch (err) {
      return this.failed(check, err);
    }
  }

  /**
   * Run `count` independent checks from `start` at the same time (scanners:
   * rspamd and clamd need not wait for each other), then decide on their
   * verdicts in configured order, exactly as one by one would. When all of
   * them answer synchronously (trusted clients skip scanning) no promise is made.
   */
  private together<S extends CheckStage>(stagePlan: Plan<S>, start: number, count: number, input: StageInputs[S], asked: Asked): StageOutcome | Promise<StageOutcome> {
    const list = stagePlan.checks;
    const started: (Verdict | Promise<Verdict>)[] = [];
    let pending = false;
    for (let k = 0; k < count; k++) {
      const v = this.start(list[start + k] as Check<S>, input);
      pending ||= v instanceof Promise;
      started.push(v);
    }
    const decideAll = (verdicts: readonly Verdict[]): StageOutcome | Promise<StageOutcome> => {
      for (let k = 0; k < count; k++) {
        const decided = this.decide(list[start + k] as Check<S>, verdicts[k] as Verdict, asked);
        if (decided) return decided;
      }
      return this.from(stagePlan, start + count, input, asked);
    };
    if (!pending) return decideAll(started as Verdict[]);
    return Promise.all(started.map((v, k) => (v instanceof Promise ? this.bounded(list[start + k] as Check<S>, v) : v))).then(decideAll);
  }

  /** A final outcome, or undefined to go on with the next check. */
  private decide(check: CheckInfo, v: Verdict, asked: Asked): StageOutcome | undefined {
    switch (v.kind) {
      case 'continue':
        return undefined;
      case 'headers':
        asked.edits.push(v.edits);
        if (v.hold !== undefined) asked.hold ??= { check: check.name, reason: v.hold };
        return undefined;
      case 'accept':
        return passed(asked);
      case 'reject':
      case 'defer':
        return { kind: 'refuse', reply: v.reply, check: check.name };
    }
  }

  /** The check's answer, or its failure if it throws or takes longer than its time limit. */
  private bounded(check: CheckInfo, pending: Promise<Verdict>): Promise<Verdict> {
    const ms = check.timeoutMs ?? this.opts.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`check ${check.name} took longer than ${ms} ms`)), ms);
    });
    return Promise.race([pending, timeout])
      .catch((err: unknown) => this.failed(check, err))
      .finally(() => clearTimeout(timer));
  }

  /** Fail open (skip the check) or closed (451 4.3.0, or the reply of an SmtpError), as the check says. */
  private failed(check: CheckInfo, err: unknown): Verdict {
    const reason = err instanceof Error ? err.message : String(err);
    if (check.onFailure === 'open') {
      this.opts.logger.warn({ check: check.name, stage: check.stage, err: reason }, 'check failed; skipped (fails open)');
      return { kind: 'continue' };
    }
    this.opts.logger.error({ check: check.name, stage: check.stage, err: reason }, 'check failed; answering try-later (fails closed)');
    const reply = toWireReply(err);
    return err instanceof SmtpError && !err.isTemporary ? { kind: 'reject', reply } : { kind: 'defer', reply };
  }
}

/**
 * A stage's checks in order, and for each the size of the run of `parallel`
 * checks it starts (1 for a check run on its own; its followers in a run are
 * never looked at). Worked out once here, not per message: reading an absent
 * property off checks of many shapes costs more than the cheap checks themselves.
 */
interface Plan<S extends CheckStage> {
  readonly checks: readonly Check<S>[];
  readonly group: readonly number[];
}

function plan<S extends CheckStage>(checks: readonly Check<S>[]): Plan<S> {
  const group: number[] = [];
  for (let i = 0; i < checks.length; ) {
    let n = 1;
    if (checks[i]?.parallel === true) while (checks[i + n]?.parallel === true) n++;
    for (let k = 0; k < n; k++) group.push(n - k);
    i += n;
  }
  return { checks, group };
}

function passed(asked: Asked): StageOutcome {
  return asked.hold ? { kind: 'pass', edits: asked.edits, hold: asked.hold } : { kind: 'pass', edits: asked.edits };
}
