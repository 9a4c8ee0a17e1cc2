import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Badge } from '../../ui/Badge';
import { DataTable, type Column } from '../../ui/DataTable';
import { Loaded } from '../../ui/Loaded';
import { ErrorNotice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { formatBytes, formatTime } from '../../ui/format';
import { useApi } from '../../ui/useApi';
import { senderText, STATES, statesOf, type MessageSummary, type SearchPage } from './types';

/** The search filters, each a URL query parameter of the same name as the API's (shareable links). */
const FILTERS = ['sender', 'recipient', 'domain', 'state', 'tag', 'since', 'until'] as const;
type Filter = (typeof FILTERS)[number];

/** An ISO instant as a datetime-local input shows it (the browser's zone); '' when absent or unreadable. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const COLUMNS: readonly Column<MessageSummary>[] = [
  { header: 'Received', cell: (m) => <span className="mono">{formatTime(m.receivedAt)}</span> },
  {
    header: 'Subject',
    // React renders the subject as text: a subject holding markup stays text.
    cell: (m) => <Link to={`/messages/${encodeURIComponent(m.id)}`}>{m.subject === null || m.subject === '' ? '(no subject)' : m.subject}</Link>,
  },
  { header: 'From', cell: (m) => senderText(m.sender) },
  {
    header: 'To',
    cell: (m) => (
      <span>
        {m.recipients.slice(0, 3).map((r) => r.address).join(', ')}
        {m.recipients.length > 3 ? ` and ${m.recipients.length - 3} more` : ''}
      </span>
    ),
  },
  {
    header: 'State',
    cell: (m) => (
      <span className="badges">
        {m.held && <Badge value="held" />}
        {statesOf(m).map((s) => (
          <Badge key={s} value={s} />
        ))}
        {m.deletedAt && <Badge value="deleted" />}
      </span>
    ),
  },
  { header: 'Size', numeric: true, cell: (m) => formatBytes(m.size) },
];

/**
 * Message search (GET /api/v1/messages). The URL holds the filters and the
 * page cursor, so a search is a link to share and the back button walks back
 * through searches and pages.
 */
export function MessagesPage() {
  const [params, setParams] = useSearchParams();
  const query: Record<string, string | undefined> = {};
  for (const f of FILTERS) query[f] = params.get(f) ?? undefined;
  query['cursor'] = params.get('cursor') ?? undefined;
  const results = useApi<SearchPage>('/api/v1/messages', { query, pollMs: params.has('cursor') ? undefined : 3000 });

  function older(cursor: string) {
    const next = new URLSearchParams(params);
    next.set('cursor', cursor);
    setParams(next);
  }

  return (
    <Page title="Messages">
      {/* Keyed by the URL: going back restores the inputs with the search. */}
      <SearchForm key={params.toString()} params={params} onSearch={(next) => setParams(next)} />
      <Panel title="Results" actions={params.has('cursor') ? <Link to={`/messages?${withoutCursor(params)}`}>Newest</Link> : undefined}>
        <Loaded state={results}>
          {(data) => (
            <>
              <DataTable
                caption="Messages, newest first"
                columns={COLUMNS}
                rows={data.messages}
                rowKey={(m) => m.id}
                empty={FILTERS.some((f) => params.has(f)) ? 'No messages match these filters.' : 'No messages yet: mail Baton accepts shows here.'}
              />
              {data.nextCursor && (
                <p>
                  <button type="button" onClick={() => older(data.nextCursor ?? '')}>
                    Older
                  </button>
                </p>
              )}
            </>
          )}
        </Loaded>
      </Panel>
    </Page>
  );
}

function withoutCursor(params: URLSearchParams): string {
  const next = new URLSearchParams(params);
  next.delete('cursor');
  return next.toString();
}

function SearchForm({ params, onSearch }: { readonly params: URLSearchParams; readonly onSearch: (next: URLSearchParams) => void }) {
  const [invalid, setInvalid] = useState<string>();
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const f of FILTERS) {
      const v = String(form.get(f) ?? '').trim();
      if (v === '') continue;
      if (f === 'since' || f === 'until') {
        // datetime-local is the browser's zone: the URL and the API get an unambiguous instant.
        const t = new Date(v);
        if (Number.isNaN(t.getTime())) return setInvalid(`${f === 'since' ? 'Received from' : 'Received before'}: not a date and time.`);
        next.set(f, t.toISOString());
      } else next.set(f, v);
    }
    setInvalid(undefined);
    onSearch(next);
  }
  const value = (f: Filter) => params.get(f) ?? '';
  return (
    <form className="filters" role="search" aria-label="Search messages" onSubmit={submit}>
      <label>
        Sender
        <input name="sender" type="search" defaultValue={value('sender')} placeholder="news@example.com" autoComplete="off" />
      </label>
      <label>
        Recipient
        <input name="recipient" type="search" defaultValue={value('recipient')} placeholder="ann@example.net" autoComplete="off" />
      </label>
      <label>
        Recipient domain
        <input name="domain" type="search" defaultValue={value('domain')} placeholder="example.net" autoComplete="off" />
      </label>
      <label>
        State
        <select name="state" aria-label="State" defaultValue={value('state')}>
          <option value="">Any</option>
          {STATES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Tag
        <input name="tag" type="search" defaultValue={value('tag')} autoComplete="off" />
      </label>
      <label>
        Received from
        <input name="since" type="datetime-local" defaultValue={toLocalInput(params.get('since'))} />
      </label>
      <label>
        Received before
        <input name="until" type="datetime-local" defaultValue={toLocalInput(params.get('until'))} />
      </label>
      <div className="actions">
        <button type="submit" className="primary">
          Search
        </button>
        <Link to="/messages">Clear</Link>
      </div>
      {invalid && <ErrorNotice error={invalid} />}
    </form>
  );
}
