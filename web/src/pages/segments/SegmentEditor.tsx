import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { DataTable } from '../../ui/DataTable';
import { formatCount } from '../../ui/format';
import { ErrorNotice, Notice } from '../../ui/Notice';
import { attributesText } from '../lists/types';
import { JsonArea, pretty } from './JsonArea';
import { parseFilter, type SegmentPreview, type SegmentView } from './types';

/**
 * A segment's name and filter, with a live Preview of the filter as typed
 * (POST /api/v1/segments/preview: nothing saved) and Save, which creates
 * (POST) or replaces (PUT) the segment.
 */
export function SegmentEditor({
  segment,
  initialFilter,
  onSaved,
}: {
  readonly segment?: SegmentView;
  readonly initialFilter: unknown;
  readonly onSaved: (saved: SegmentView) => void;
}) {
  const [name, setName] = useState(segment?.name ?? '');
  const [filterText, setFilterText] = useState(pretty(segment?.filter ?? initialFilter));
  const [preview, setPreview] = useState<SegmentPreview>();
  const [previewError, setPreviewError] = useState<unknown>();
  const [saveError, setSaveError] = useState<unknown>();
  const [busy, setBusy] = useState<'preview' | 'save'>();
  const [saved, setSaved] = useState(false);

  async function runPreview() {
    setBusy('preview');
    setPreviewError(undefined);
    try {
      setPreview(await api<SegmentPreview>('/api/v1/segments/preview', { json: { filter: parseFilter(filterText), sample: 10 } }));
    } catch (err) {
      setPreview(undefined);
      setPreviewError(err);
    } finally {
      setBusy(undefined);
    }
  }

  async function save(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy('save');
    setSaveError(undefined);
    setSaved(false);
    try {
      const json = { name: name.trim(), filter: parseFilter(filterText) };
      const out = segment
        ? await api<SegmentView>(`/api/v1/segments/${segment.id}`, { method: 'PUT', json })
        : await api<SegmentView>('/api/v1/segments', { json });
      setSaved(true);
      onSaved(out);
    } catch (err) {
      setSaveError(err);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <form className="stack wide" onSubmit={save}>
      <label>
        Name
        <input name="name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
      </label>
      <JsonArea
        label="Filter"
        rows={10}
        value={filterText}
        onChange={(t) => {
          setFilterText(t);
          setSaved(false);
        }}
        hint='{"all"|"any": [conditions]}; a condition is {"attr", "op": eq|ne|lt|gt|contains|exists, "value"}, {"list": ID}, {"event": "bounced", "since": "30d"} or a nested group.'
      />
      <div className="actions">
        <button type="button" onClick={() => void runPreview()} disabled={busy !== undefined} aria-busy={busy === 'preview'}>
          Preview
        </button>
        <button type="submit" className="primary" disabled={busy !== undefined} aria-busy={busy === 'save'}>
          {segment ? 'Save segment' : 'Create segment'}
        </button>
      </div>
      {saveError !== undefined && <ErrorNotice error={saveError} />}
      {saved && <Notice kind="ok">Saved.</Notice>}
      {previewError !== undefined && <ErrorNotice error={previewError} />}
      {preview && (
        <section aria-label="Preview">
          <Notice>
            <strong>{formatCount(preview.count)}</strong> contact{preview.count === 1 ? '' : 's'} match <span className="muted">(counted in {preview.tookMs} ms)</span>
          </Notice>
          <DataTable
            caption="A sample of the matching contacts"
            rows={preview.sample}
            rowKey={(c) => String(c.id)}
            empty="No contact matches this filter."
            columns={[
              { header: 'Address', cell: (c) => <span className="mono">{c.address}</span> },
              { header: 'Attributes', cell: (c) => <span className="mono">{attributesText(c.attributes)}</span> },
            ]}
          />
        </section>
      )}
    </form>
  );
}
