import { convert } from 'html-to-text';
import { Liquid, type Template as Parsed } from 'liquidjs';
import type { RenderedMessage, RenderFailure } from '../types.js';
import type { Template } from './template-store.js';

/**
 * Liquid templates (liquidjs) rendered per contact, safely: the template
 * author is trusted (an admin key), the contact's attributes are not (a form,
 * an import). So in HTML every output is escaped (`outputEscape: 'escape'`)
 * and the `raw` filter, the one way around that, is removed: an attribute
 * holding `<script>` or `"><img onerror=…>` arrives as text. The subject and
 * the text part are not HTML and are not escaped (a header field cannot carry
 * markup, and the composer encodes it).
 *
 * A template cannot read files (no fs: an empty in-memory map, and include,
 * render and layout refused when parsed) nor run for ever: `renderLimit` stops
 * a render after `renderTimeoutMs`, `memoryLimit` a huge range or string, and
 * an output above `maxOutput` bytes is a failure. Unknown filters are parse
 * errors (`strictFilters`); unknown variables render empty, as Liquid does,
 * which is what defaults are for.
 */
export interface RenderLimits {
  /** campaigns.templates.renderTimeout, in ms. */
  readonly renderTimeoutMs: number;
  /** campaigns.templates.maxOutput, in bytes, per part. */
  readonly maxOutput: number;
}

/** The parts of a template renderTemplate reads (a saved Template, or one being checked). */
export type TemplateParts = Pick<Template, 'subject' | 'html' | 'text' | 'defaults'>;

/** What one contact brings to a render. */
export interface RenderInput {
  readonly address: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The signed one-click URL (unsubscribeUrlFor): the same as the List-Unsubscribe header's. */
  readonly unsubscribeUrl?: string;
}

/** A template that does not parse: which part, where, why (the API answers 422 with it). */
export interface TemplateFault {
  readonly part: 'subject' | 'html' | 'text';
  readonly line?: number;
  readonly reason: string;
}

type PartName = TemplateFault['part'];
interface ParsedParts {
  readonly subject: Parsed[];
  readonly html?: Parsed[];
  readonly text?: Parsed[];
}

/** Parsed templates kept (per id and updatedAt): a campaign renders one template thousands of times. */
const CACHE_SIZE = 256;
const REFUSED_TAGS = ['include', 'render', 'layout'];

export class TemplateRenderer {
  private readonly html: Liquid;
  private readonly plain: Liquid;
  private readonly cache = new Map<string, ParsedParts>();

  constructor(private readonly limits: RenderLimits) {
    const common = {
      strictFilters: true,
      // Only the object's own properties: no constructor, __proto__ or prototype methods from a template.
      ownPropertyOnly: true,
      // An empty in-memory map instead of the file system.
      templates: {},
      renderLimit: limits.renderTimeoutMs,
      parseLimit: 1_000_000,
      memoryLimit: Math.max(limits.maxOutput, 1_000_000),
    };
    this.html = new Liquid({ ...common, outputEscape: 'escape' });
    this.plain = new Liquid(common);
    for (const engine of [this.html, this.plain]) {
      for (const tag of REFUSED_TAGS) {
        engine.registerTag(tag, {
          parse() {
            throw new Error(`the ${tag} tag is not available: templates cannot read files`);
          },
          *render() {},
        });
      }
    }
    delete (this.html.filters as Record<string, unknown>)['raw'];
  }

  /** The first part that does not parse, or undefined when every part does. */
  check(t: { subject: string; html?: string | undefined; text?: string | undefined }): TemplateFault | undefined {
    const r = this.parse(t);
    return 'part' in r ? r : undefined;
  }

  /**
   * Render for one contact. Context: the template's defaults, then the
   * contact's attributes over them, at the top level and under `contact`;
   * `email` and `unsubscribe_url` are ours and no attribute overrides them.
   * `cacheKey`: a saved template's (id, updatedAt); absent: parsed each time.
   */
  async render(t: TemplateParts, input: RenderInput, cacheKey?: { id: number; updatedAt: number }): Promise<RenderedMessage | RenderFailure> {
    const parsed = this.parsedFor(t, cacheKey);
    if ('part' in parsed) return failure(parsed.part, parsed.reason);
    const own = { ...t.defaults, ...input.attributes };
    const ours = { email: input.address, ...(input.unsubscribeUrl !== undefined ? { unsubscribe_url: input.unsubscribeUrl } : {}) };
    const ctx = { ...own, contact: { ...own, ...ours }, ...ours };
    const subject = await this.part('subject', this.plain, parsed.subject, ctx);
    if (typeof subject !== 'string') return subject;
    let html: string | undefined;
    if (parsed.html) {
      const r = await this.part('html', this.html, parsed.html, ctx);
      if (typeof r !== 'string') return r;
      html = r;
    }
    let text: string;
    if (parsed.text) {
      const r = await this.part('text', this.plain, parsed.text, ctx);
      if (typeof r !== 'string') return r;
      text = r;
    } else text = html !== undefined ? convert(html, { wordwrap: 78 }) : '';
    // A subject is one header line: folding and encoding are the composer's, line breaks are not allowed.
    return { subject: subject.replace(/[\r\n]+/g, ' ').trim(), ...(html !== undefined ? { html } : {}), text };
  }

  private parsedFor(t: TemplateParts, key: { id: number; updatedAt: number } | undefined): ParsedParts | TemplateFault {
    if (!key) return this.parse(t);
    const k = `${key.id}:${key.updatedAt}`;
    const hit = this.cache.get(k);
    if (hit) return hit;
    const r = this.parse(t);
    if ('part' in r) return r;
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(k, r);
    return r;
  }

  private parse(t: { subject: string; html?: string | undefined; text?: string | undefined }): ParsedParts | TemplateFault {
    const one = (part: PartName, engine: Liquid, src: string): Parsed[] | TemplateFault => {
      try {
        return engine.parse(src);
      } catch (err) {
        return fault(part, err);
      }
    };
    const subject = one('subject', this.plain, t.subject);
    if (!Array.isArray(subject)) return subject;
    const html = t.html !== undefined ? one('html', this.html, t.html) : undefined;
    if (html !== undefined && !Array.isArray(html)) return html;
    const text = t.text !== undefined ? one('text', this.plain, t.text) : undefined;
    if (text !== undefined && !Array.isArray(text)) return text;
    return { subject, ...(html ? { html } : {}), ...(text ? { text } : {}) };
  }

  private async part(part: PartName, engine: Liquid, tpl: Parsed[], ctx: object): Promise<string | RenderFailure> {
    let out: string;
    try {
      out = String(await engine.render(tpl, ctx));
    } catch (err) {
      return failure(part, (err as Error).message);
    }
    const size = Buffer.byteLength(out, 'utf8');
    if (size > this.limits.maxOutput) return failure(part, `the output is ${size} bytes, more than the limit of ${this.limits.maxOutput} (campaigns.templates.maxOutput)`);
    return out;
  }
}

function failure(part: string, reason: string): RenderFailure {
  return { kind: 'render-failed', part, reason };
}

function fault(part: PartName, err: unknown): TemplateFault {
  const e = err as Error & { token?: { getPosition?: () => [number, number] } };
  const line = e.token?.getPosition?.()[0];
  return { part, ...(line !== undefined ? { line } : {}), reason: e.message };
}
