import type { ContainedState } from '../../../users/index.js';
import { Verdicts, type Check, type Verdict } from '../check.js';

export interface ContainmentCheckDeps {
  /** The user's containment, or undefined (quotas/containment.ts); synchronous when known. */
  readonly containedState: (user: string) => ContainedState | undefined | Promise<ContainedState | undefined>;
}

/**
 * Containment (docs/deliverability.md#containment): mail from a contained
 * user is accepted and queued held, not refused, so a legitimate sender loses
 * nothing and a compromised one learns nothing; an operator looks and runs
 * `baton queue release --user NAME` (or deletes the messages).
 */
export function containmentCheck(deps: ContainmentCheckDeps): Check<'content'> {
  return {
    name: 'containment',
    stage: 'content',
    // Not knowing must not hold everyone's mail, nor stop it: the user is checked again at its next message.
    onFailure: 'open',
    run({ session }) {
      if (!session.user) return Verdicts.continue;
      const state = deps.containedState(session.user.name);
      return state instanceof Promise ? state.then(verdict) : verdict(state);
    },
  };
}

function verdict(state: ContainedState | undefined): Verdict {
  return state ? Verdicts.held(`user contained (${state.trigger}): ${state.reason}`, []) : Verdicts.continue;
}
