import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Badge } from '../../ui/Badge';
import { ActionButton } from '../../ui/Buttons';
import { DataTable } from '../../ui/DataTable';
import { formatCount, formatTime } from '../../ui/format';
import { ErrorNotice } from '../../ui/Notice';
import { Panel } from '../../ui/Page';
import { attributesText, type ContactView, type Items } from './types';

const PAGE = 50;
const STATUSES = ['subscribed', 'unsubscribed', 'bounced', 'complained'] as const;

/**
 * A list's contacts (GET /api/v1/contacts?list=ID), a page at a time:
 * "Show more" appends the next page by the API's cursor. `version` changes
 * after an import, which starts again from the first page.
 */
export function ContactsPanel({ listId, version }: { readonly listId: number; readonly version: number }) {
  const [filter, setFilter] = useState({ q: '', status: '' });
  const [rows, setRows] = useState<ContactView[]>([]);
  const [next, setNext] = useState<string | number | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const query = { list: listId, limit: PAGE, q: filter.q, status: filter.status };
  const queryKey = JSON.stringify(query);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    api<Items<ContactView>>('/api/v1/contacts', { query: JSON.parse(queryKey) as typeof query, signal: ctrl.signal })
      .then((p) => {
        setRows(p.items);
        setNext(p.next ?? null);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(err);
      })
      .finally(() => setLoading(false));
    return () => ctrl.abort();
  }, [queryKey, version]);

  async function more() {
    if (next === null) return;
    const p = await api<Items<ContactView>>('/api/v1/contacts', { query: { ...query, cursor: next } });
    setRows((r) => [...r, ...p.items]);
    setNext(p.next ?? null);
  }

  function search(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setFilter({ q: String(form.get('contact-q') ?? '').trim(), status: String(form.get('contact-status') ?? '') });
  }

  return (
    <Panel title="Contacts">
      <form className="filters" role="search" aria-label="Search contacts" onSubmit={search}>
        <label>
          Address starts with
          <input name="contact-q" type="search" defaultValue={filter.q} autoComplete="off" />
        </label>
        <label>
          Status
          <select name="contact-status" defaultValue={filter.status}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {error !== undefined && <ErrorNotice error={error} />}
      {loading && rows.length === 0 ? (
        <p className="loading" role="status">
          Loading…
        </p>
      ) : (
        <>
          <DataTable
            caption="Contacts of this list"
            rows={rows}
            rowKey={(c) => String(c.id)}
            empty={filter.q || filter.status ? 'No contact of this list matches.' : 'No contacts in this list yet: import a CSV file below.'}
            columns={[
              { header: 'Address', cell: (c) => <span className="mono">{c.address}</span> },
              { header: 'Status', cell: (c) => <Badge value={c.status} /> },
              { header: 'In this list', cell: (c) => <Badge value={c.lists.find((l) => l.id === listId)?.status ?? 'not a member'} /> },
              { header: 'Attributes', cell: (c) => <span className="mono">{attributesText(c.attributes)}</span> },
              { header: 'Updated', cell: (c) => formatTime(c.updatedAt) },
            ]}
          />
          <p className="muted" role="status">
            {formatCount(rows.length)} contact{rows.length === 1 ? '' : 's'} shown{next !== null ? ', more in the list' : ''}
          </p>
          {next !== null && <ActionButton onAction={more}>Show more</ActionButton>}
        </>
      )}
    </Panel>
  );
}
