import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { BOUNCE_CATEGORIES, BounceClassifier, codePattern, statusPattern, type BounceRule } from './classify.js';

/**
 * The operator's classification rules (`bounces.rules`): a YAML or JSON list,
 * tried in order before the shipped table. `text` is a regular expression,
 * matched without regard to case:
 *
 *   - name: our-partner-full
 *     code: "550"
 *     text: "mailbox quota"
 *     kind: soft
 *     category: mailbox-full
 */
const ruleSchema = z
  .strictObject({
    name: z.string().min(1),
    code: z.string().refine((c) => codePattern(c) !== undefined, { message: 'a reply code like "550" or "5xx"' }).optional(),
    status: z.string().refine((s) => statusPattern(s) !== undefined, { message: 'an enhanced status like "5.1.1", "x.1.1" or "5.7.*"' }).optional(),
    text: z
      .string()
      .min(1)
      .refine((t) => compiles(t), { message: 'not a valid regular expression' })
      .optional(),
    kind: z.enum(['hard', 'soft']).optional(),
    category: z.enum(BOUNCE_CATEGORIES),
  })
  .refine((r) => r.code !== undefined || r.status !== undefined || r.text !== undefined, { message: 'a rule needs at least one of code, status, text' });

const fileSchema = z.array(ruleSchema);

function compiles(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}

/** Parse and check a rules file's text; errors name the file and the rule (by index and path). */
export function parseBounceRules(text: string, where: string): BounceRule[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new Error(`bounce rules ${where}: ${(err as Error).message}`);
  }
  const result = fileSchema.safeParse(raw ?? []);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((i) => `  ${i.path.map(String).join('.') || '(top level)'}: ${i.message}`);
    throw new Error(`bounce rules ${where} (a list of rules, see docs/deliverability.md "Bounce classification"):\n${issues.join('\n')}`);
  }
  return result.data.map((r) => ({
    name: r.name,
    category: r.category,
    ...(r.code !== undefined ? { code: r.code } : {}),
    ...(r.status !== undefined ? { status: r.status } : {}),
    ...(r.text !== undefined ? { text: new RegExp(r.text, 'i') } : {}),
    ...(r.kind !== undefined ? { kind: r.kind } : {}),
  }));
}

/** The classifier from config: `bounces.rules` (when set) before the shipped table. Read once, at startup. */
export async function loadBounceClassifier(path: string | undefined): Promise<BounceClassifier> {
  if (path === undefined) return new BounceClassifier();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`bounces.rules: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return new BounceClassifier(parseBounceRules(text, path));
}
