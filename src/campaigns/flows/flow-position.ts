import type { FlowStep } from './flow-definition.js';

/**
 * A run's place in a flow: a path into the nested steps, "2" (the third
 * top-level step) or "2.then.0" (the first step of the third step's `then`).
 * It names the step to do next and is what the store commits after each
 * step, and the send log key of a `send` (so a send step is queued at most
 * once per run, whatever crashes around it).
 */

type Segment = number | 'then' | 'else';

function parse(position: string): Segment[] | undefined {
  if (position === '') return undefined;
  const out: Segment[] = [];
  for (const [i, part] of position.split('.').entries()) {
    if (i % 2 === 1) {
      if (part !== 'then' && part !== 'else') return undefined;
      out.push(part);
    } else {
      if (!/^\d{1,4}$/.test(part)) return undefined;
      out.push(Number(part));
    }
  }
  return out.length % 2 === 1 ? out : undefined;
}

function listAt(steps: readonly FlowStep[], path: readonly Segment[]): readonly FlowStep[] | undefined {
  let list: readonly FlowStep[] = steps;
  for (let i = 0; i + 1 < path.length; i += 2) {
    const step = list[path[i] as number];
    if (step?.type !== 'branch') return undefined;
    list = path[i + 1] === 'then' ? step.then : step.else;
  }
  return list;
}

/** The step at `position`, or undefined when there is none (an edited flow, a bad path). */
export function stepAt(steps: readonly FlowStep[], position: string): FlowStep | undefined {
  const path = parse(position);
  if (!path) return undefined;
  return listAt(steps, path)?.[path[path.length - 1] as number];
}

/** The first position of a flow. */
export const FIRST_POSITION = '0';

/**
 * The position after the step at `position`, leaving branches that end:
 * "2.then.1" after the last step of that `then` is "3". Undefined: the flow
 * is done.
 */
export function nextPosition(steps: readonly FlowStep[], position: string): string | undefined {
  let path = parse(position);
  while (path) {
    const list = listAt(steps, path);
    if (!list) return undefined;
    const next = (path[path.length - 1] as number) + 1;
    if (next < list.length) return [...path.slice(0, -1), next].join('.');
    if (path.length === 1) return undefined;
    path = path.slice(0, -2);
  }
  return undefined;
}

/** Where a branch at `position` goes: the first step of the arm taken, or past the branch when that arm is empty. */
export function branchPosition(steps: readonly FlowStep[], position: string, arm: 'then' | 'else'): string | undefined {
  const step = stepAt(steps, position);
  if (step?.type !== 'branch') return undefined;
  return step[arm].length > 0 ? `${position}.${arm}.0` : nextPosition(steps, position);
}
