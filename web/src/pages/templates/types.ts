/** The API's template shapes (issue 15, part B: tag `templates`). */

export interface TemplateView {
  readonly id: number;
  readonly name: string;
  readonly subject: string;
  readonly html?: string | null;
  readonly text?: string | null;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** POST /templates/{id}/preview: the message one contact would get. */
export interface TemplatePreview {
  readonly subject: string;
  readonly html?: string | null;
  readonly text: string;
}
