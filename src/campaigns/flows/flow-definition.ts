import { z } from 'zod';
import { parseDuration, parseMailbox } from '../../core/index.js';

/**
 * What a flow is (docs/campaigns.md "Automation (flows)"): a trigger that
 * enrolls a contact, and steps the contact walks one by one. Steps nest
 * through `branch`, so a run's place is a path into the tree ("2.then.0",
 * flow-position.ts). Limits keep a flow small enough to read and to walk in
 * one tick: depth and step count below.
 */

/** Branches inside branches, at most. */
export const MAX_FLOW_DEPTH = 5;
/** Steps in all, counting those inside branches. */
export const MAX_FLOW_STEPS = 100;

/**
 * A segment filter (campaigns/segments owns its grammar): `{all|any: [...]}`.
 * Checked here only for its outer shape; the branch evaluator compiles it and
 * refuses what it does not know when the flow is saved.
 */
export const branchFilterSchema = z
  .record(z.string(), z.unknown())
  .refine((f) => Array.isArray(f.all) !== Array.isArray(f.any), { message: 'a filter has exactly one of "all" or "any", a list of conditions' })
  .describe('A segment filter: {all|any: [conditions]} (see segments)');
export type BranchFilter = Readonly<Record<string, unknown>>;

export const flowTriggerSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('list-joined'), list: z.number().int().positive().describe('The list id: a contact who becomes a subscribed member starts a run') }),
    z.strictObject({
      type: z.literal('attribute-changed'),
      attr: z.string().min(1).max(200),
      value: z.unknown().optional().describe('Only when the attribute changes to this value; absent: any change'),
    }),
    z.strictObject({ type: z.literal('event'), name: z.string().min(1).max(200).describe('POST /api/v1/events with this name starts a run') }),
  ])
  .describe('What enrolls a contact');
export type FlowTrigger = z.output<typeof flowTriggerSchema>;

const fromAddress = z
  .string()
  .min(3)
  .max(320)
  .refine((s) => addressOfFrom(s) !== undefined, { message: 'must be "local@domain" or "Name <local@domain>"' });

const durationText = z
  .string()
  .max(32)
  .refine((s) => durationMs(s) !== undefined, { message: 'must be a duration like "30m", "2d" or "1h30m"' });

export type FlowStep =
  | { readonly type: 'wait'; readonly duration: string }
  | { readonly type: 'send'; readonly template: number; readonly from: string; readonly stream?: 'bulk' | 'transactional' | undefined }
  | { readonly type: 'branch'; readonly if: BranchFilter; readonly then: readonly FlowStep[]; readonly else: readonly FlowStep[] }
  | { readonly type: 'update'; readonly attr: string; readonly value: unknown }
  | { readonly type: 'exit' };

// A lazy union: branches hold steps.
export const flowStepSchema: z.ZodType<FlowStep> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('wait'), duration: durationText }),
    z.strictObject({
      type: z.literal('send'),
      template: z.number().int().positive().describe('The template id'),
      from: fromAddress,
      stream: z.enum(['bulk', 'transactional']).optional().describe('Default bulk (List-Unsubscribe, VERP, postal footer)'),
    }),
    z.strictObject({ type: z.literal('branch'), if: branchFilterSchema, then: z.array(flowStepSchema).max(MAX_FLOW_STEPS), else: z.array(flowStepSchema).max(MAX_FLOW_STEPS) }),
    z.strictObject({ type: z.literal('update'), attr: z.string().min(1).max(200), value: z.unknown().describe('The new value; null removes the attribute') }),
    z.strictObject({ type: z.literal('exit') }),
  ]),
);

export const flowStepsSchema = z
  .array(flowStepSchema)
  .min(1)
  .max(MAX_FLOW_STEPS)
  .superRefine((steps, ctx) => {
    const n = countSteps(steps);
    if (n > MAX_FLOW_STEPS) ctx.addIssue({ code: 'custom', message: `a flow has at most ${MAX_FLOW_STEPS} steps in all, this one ${n}` });
    const d = depthOf(steps);
    if (d > MAX_FLOW_DEPTH) ctx.addIssue({ code: 'custom', message: `branches nest at most ${MAX_FLOW_DEPTH} deep, these ${d}` });
  });

/** What a flow is made of, as the API takes it. */
export interface FlowDefinition {
  readonly name: string;
  readonly trigger: FlowTrigger;
  readonly steps: readonly FlowStep[];
  readonly active: boolean;
}

/** The envelope address of a From ("Name <a@b>" or "a@b"), or undefined. */
export function addressOfFrom(from: string): string | undefined {
  const m = /<([^<>]+)>\s*$/.exec(from);
  const text = (m ? m[1] : from)?.trim() ?? '';
  return parseMailbox(text) ? text : undefined;
}

/** The sending domain of a From, lower case. */
export function domainOfFrom(from: string): string | undefined {
  const a = addressOfFrom(from);
  return a === undefined ? undefined : a.slice(a.lastIndexOf('@') + 1).toLowerCase();
}

export function durationMs(text: string): number | undefined {
  try {
    const ms = parseDuration(text);
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}

export function countSteps(steps: readonly FlowStep[]): number {
  return steps.reduce((n, s) => n + 1 + (s.type === 'branch' ? countSteps(s.then) + countSteps(s.else) : 0), 0);
}

function depthOf(steps: readonly FlowStep[]): number {
  return steps.reduce((d, s) => (s.type === 'branch' ? Math.max(d, 1 + Math.max(depthOf(s.then), depthOf(s.else))) : d), 0);
}

/** Every step, depth first, with its path (for checks over the whole tree). */
export function* allSteps(steps: readonly FlowStep[], base = ''): Generator<{ step: FlowStep; path: string }> {
  for (const [i, step] of steps.entries()) {
    const path = base === '' ? `${i}` : `${base}.${i}`;
    yield { step, path };
    if (step.type === 'branch') {
      yield* allSteps(step.then, `${path}.then`);
      yield* allSteps(step.else, `${path}.else`);
    }
  }
}

/** Waits shorter than `minWaitMs` (config `campaigns.flows.minWait`), as {path, message} for a 422. */
export function shortWaits(steps: readonly FlowStep[], minWaitMs: number): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const { step, path } of allSteps(steps)) {
    if (step.type === 'wait' && (durationMs(step.duration) ?? 0) < minWaitMs) out.push({ path: `body.steps.${path}.duration`, message: `a wait is at least ${minWaitMs} ms (campaigns.flows.minWait)` });
  }
  return out;
}

/** Whether `trigger` is set off by an attribute change (name, new value). */
export function attributeTriggerMatches(trigger: FlowTrigger, name: string, after: unknown): boolean {
  if (trigger.type !== 'attribute-changed' || trigger.attr !== name) return false;
  return trigger.value === undefined || JSON.stringify(trigger.value) === JSON.stringify(after);
}

/**
 * `steps` as the API takes them: the recursive schema above does the
 * checking, while the schema the OpenAPI document shows stays flat (a
 * recursive zod schema becomes a JSON Schema `$ref` the document cannot
 * resolve). Issues keep their paths ("steps.1.then.0.duration").
 */
export const flowStepsInputSchema = z
  .array(z.looseObject({ type: z.enum(['wait', 'send', 'branch', 'update', 'exit']) }).describe('A step: wait {duration}, send {template, from, stream?}, branch {if, then, else}, update {attr, value}, exit'))
  .transform((value, ctx): FlowStep[] => {
    const r = flowStepsSchema.safeParse(value);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });
