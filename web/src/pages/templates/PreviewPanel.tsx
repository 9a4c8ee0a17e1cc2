import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Notice } from '../../ui/Notice';
import { Panel } from '../../ui/Page';
import type { ContactView, Items } from '../lists/types';
import { TemplateError } from './TemplateError';
import type { TemplatePreview } from './types';

/**
 * The message one contact would get (POST /api/v1/templates/{id}/preview),
 * by contact id or by a contact's address. The HTML goes into an iframe with
 * `sandbox=""` through srcdoc: it runs no script, submits no form, has an
 * opaque origin (no cookie, no API), and is never put into this page's DOM.
 * The dashboard's CSP applies inside it too, so nothing remote loads.
 */
export function PreviewPanel({ templateId }: { readonly templateId: number }) {
  const [preview, setPreview] = useState<TemplatePreview>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string>();

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const who = String(data.get('who') ?? '').trim();
    setBusy(true);
    setError(undefined);
    setNote(undefined);
    try {
      let json: Record<string, unknown> = {};
      if (/^\d+$/.test(who)) json = { contact: Number(who) };
      else if (who !== '') {
        // An address: the contact's own attributes when there is one (the API renders an address alone with the defaults).
        const found = await api<Items<ContactView>>('/api/v1/contacts', { query: { q: who, limit: 20 } });
        const c = found.items.find((x) => x.address.toLowerCase() === who.toLowerCase());
        if (c) json = { contact: c.id };
        else {
          json = { address: who };
          setNote(`No contact has the address ${who}: rendered with the template's defaults.`);
        }
      }
      setPreview(await api<TemplatePreview>(`/api/v1/templates/${templateId}/preview`, { json }));
    } catch (err) {
      setPreview(undefined);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Panel title="Preview">
      <form className="filters" onSubmit={submit}>
        <label>
          Contact id or address
          <input name="who" autoComplete="off" placeholder="42 or ann@example.net (empty: defaults only)" />
        </label>
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          Preview
        </button>
      </form>
      {error !== undefined && <TemplateError error={error} />}
      {note && <Notice kind="warn">{note}</Notice>}
      {preview && (
        <div className="template-preview">
          <dl className="facts">
            <dt>Subject</dt>
            <dd aria-label="Preview subject">{preview.subject}</dd>
          </dl>
          {preview.html ? (
            <iframe title="HTML preview" sandbox="" srcDoc={preview.html} className="mail-frame" referrerPolicy="no-referrer" />
          ) : (
            <p className="muted">No HTML part.</p>
          )}
          <details>
            <summary>Text part</summary>
            <pre aria-label="Preview text">{preview.text}</pre>
          </details>
        </div>
      )}
    </Panel>
  );
}
