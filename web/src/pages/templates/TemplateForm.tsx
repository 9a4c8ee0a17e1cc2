import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Notice } from '../../ui/Notice';
import { JsonArea, pretty } from '../segments/JsonArea';
import { TemplateError } from './TemplateError';
import type { TemplateView } from './types';

/** Defaults as typed: a JSON object of attribute → value (empty: none). */
function parseDefaults(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`Defaults are not JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('Defaults must be an object: {"first_name": "there"}.');
  return v as Record<string, unknown>;
}

/**
 * A template's name, subject, HTML, text and defaults; creates (POST) or
 * replaces (PUT). Liquid errors come back as a 422 naming the part and line.
 */
export function TemplateForm({ template, onSaved }: { readonly template?: TemplateView; readonly onSaved: (t: TemplateView) => void }) {
  const [defaults, setDefaults] = useState(template ? pretty(template.defaults) : '{\n  "first_name": "there"\n}');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const text = (k: string) => String(data.get(k) ?? '');
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const json = {
        name: text('name').trim(),
        subject: text('subject'),
        ...(text('html').trim() ? { html: text('html') } : {}),
        ...(text('text').trim() ? { text: text('text') } : {}),
        defaults: parseDefaults(defaults),
      };
      const out = template
        ? await api<TemplateView>(`/api/v1/templates/${template.id}`, { method: 'PUT', json })
        : await api<TemplateView>('/api/v1/templates', { json });
      setSaved(true);
      onSaved(out);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack wide" onSubmit={submit}>
      <label>
        Name
        <input name="name" required maxLength={200} defaultValue={template?.name} autoComplete="off" />
      </label>
      <label>
        Subject
        <input name="subject" required defaultValue={template?.subject} placeholder="Hello {{ first_name }}" autoComplete="off" />
      </label>
      <label>
        HTML
        <span className="hint muted">Liquid; values are HTML-escaped. {'{{ unsubscribe_url }}'} is the signed one-click link.</span>
        <textarea name="html" className="mono" rows={10} spellCheck={false} defaultValue={template?.html ?? ''} />
      </label>
      <label>
        Text
        <span className="hint muted">Optional: made from the HTML when empty.</span>
        <textarea name="text" className="mono" rows={6} spellCheck={false} defaultValue={template?.text ?? ''} />
      </label>
      <JsonArea label="Defaults" rows={4} value={defaults} onChange={setDefaults} hint="Values for attributes a contact does not have." />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {template ? 'Save template' : 'Create template'}
        </button>
      </div>
      {error !== undefined && <TemplateError error={error} />}
      {saved && <Notice kind="ok">Saved.</Notice>}
    </form>
  );
}
