/** A saved Liquid template (renderer.ts renders it per contact). */
export interface Template {
  readonly id: number;
  readonly name: string;
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
  /** Values for attributes a contact lacks ({{ first_name }} → "there"); the contact's own win. */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  /** Grows on every change, even within one ms: parsed templates are cached per (id, updatedAt). */
  readonly updatedAt: number;
}

export interface TemplateInput {
  readonly name: string;
  readonly subject: string;
  readonly html?: string | undefined;
  readonly text?: string | undefined;
  readonly defaults?: Readonly<Record<string, unknown>> | undefined;
}

/** Saved templates (DESIGN §9 Store: SQLite and PostgreSQL backends, one contract). */
export interface TemplateStore {
  create(t: TemplateInput, now: number): Promise<Template>;
  get(id: number): Promise<Template | undefined>;
  /** In id order, after `after`. */
  list(q: { limit: number; after?: number }): Promise<Template[]>;
  /** Replaces every field; undefined: no such template. */
  update(id: number, t: TemplateInput, now: number): Promise<Template | undefined>;
  delete(id: number): Promise<boolean>;
  close(): Promise<void>;
}
