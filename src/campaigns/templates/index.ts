import type { Config } from '../../config/index.js';
import type { UnsubscribeParts } from '../../unsubscribe/index.js';
import { TemplateRenderer } from './renderer.js';
import { unsubscribeUrlFor } from './unsubscribe-url.js';

export { TemplateRenderer, type RenderInput, type RenderLimits, type TemplateFault, type TemplateParts } from './renderer.js';
export { unsubscribeUrlFor } from './unsubscribe-url.js';
export type { Template, TemplateInput, TemplateStore } from './template-store.js';
export { openSqliteTemplateStore } from './sqlite-template-store.js';
export { openPgTemplateStore } from './pg-template-store.js';
export { PG_TEMPLATES_SCHEMA, TEMPLATES_SCHEMA } from './template-migrations.js';

/** What main.ts hands the API and sending/: one renderer (one cache of parsed templates) per process. */
export interface TemplatesPart {
  readonly renderer: TemplateRenderer;
  /** The signed one-click URL for `{{ unsubscribe_url }}`; undefined when `unsubscribe` is not configured. */
  unsubscribeUrl(address: string, sendingDomain: string): string | undefined;
  /** `unsubscribe.baseUrl`, for previews (which have no sending domain to sign for). */
  readonly baseUrl?: string;
}

export function buildTemplates(config: Pick<Config, 'campaigns'>, unsubscribe?: Pick<UnsubscribeParts, 'tokens' | 'baseUrl'>): TemplatesPart {
  const t = config.campaigns.templates;
  return {
    renderer: new TemplateRenderer({ renderTimeoutMs: t.renderTimeout, maxOutput: t.maxOutput }),
    unsubscribeUrl: (address, domain) => (unsubscribe ? unsubscribeUrlFor(unsubscribe, address, domain) : undefined),
    ...(unsubscribe ? { baseUrl: unsubscribe.baseUrl } : {}),
  };
}
