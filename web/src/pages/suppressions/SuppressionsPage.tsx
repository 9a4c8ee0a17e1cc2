import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { api, apiText, ApiError } from '../../api';
import { Badge } from '../../ui/Badge';
import { ActionButton } from '../../ui/Buttons';
import { DataTable } from '../../ui/DataTable';
import { useSubmit } from '../../ui/Form';
import { ErrorNotice, Notice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { Progress } from '../../ui/Progress';
import { formatCount, formatTime } from '../../ui/format';
import { partSize, splitCsv } from './csv-parts';

/** GET /api/v1/suppressions (docs/api.md "Suppressions"). */
interface Entry {
  readonly address: string;
  readonly scope: string;
  readonly reason: string;
  readonly source: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
}
interface ListPage {
  readonly suppressions: Entry[];
  readonly nextCursor: string | null;
}
interface ImportAnswer {
  readonly rows: number;
  readonly imported: number;
  readonly skipped: number;
  readonly problems: string[];
  readonly hasHeader: boolean;
}

const REASONS = ['hard-bounce', 'complaint', 'unsubscribe', 'manual'] as const;
const FILTERS = ['contains', 'reason', 'scope', 'source'] as const;
const PAGE = 100;

export function SuppressionsPage() {
  const [params, setParams] = useSearchParams();
  const filter = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const filterKey = JSON.stringify(filter);
  const [rows, setRows] = useState<Entry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const reload = () => setTick((t) => t + 1);

  // The first page of the search; "Show more" appends the next ones by cursor.
  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    api<ListPage>('/api/v1/suppressions', { query: { ...(JSON.parse(filterKey) as typeof filter), limit: PAGE }, signal: ctrl.signal })
      .then((p) => {
        setRows(p.suppressions);
        setNext(p.nextCursor);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(err);
      })
      .finally(() => setLoading(false));
    return () => ctrl.abort();
  }, [filterKey, tick]);

  async function more() {
    if (next === null) return;
    const p = await api<ListPage>('/api/v1/suppressions', { query: { ...filter, limit: PAGE, cursor: next } });
    setRows((r) => [...r, ...p.suppressions]);
    setNext(p.nextCursor);
  }

  // Field names are prefixed: a form exposes its fields as properties, and one named "contains" would hide form.contains().
  function search(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const q = new URLSearchParams();
    for (const f of FILTERS) {
      const v = String(form.get(`filter-${f}`) ?? '').trim();
      if (v !== '') q.set(f, v);
    }
    setParams(q);
    // The same search again is a refresh: the list may have changed meanwhile (bounces, imports).
    reload();
  }

  const searching = FILTERS.some((f) => filter[f] !== '');
  return (
    <Page title="Suppressions" actions={<ExportButton filter={filter} searching={searching} />}>
      <Panel title="Search">
        <form className="filters" role="search" aria-label="Search suppressions" onSubmit={search} key={filterKey}>
          <label>
            Address or domain contains
            <input name="filter-contains" type="search" defaultValue={filter.contains} placeholder="bob, @example.com" />
          </label>
          <label>
            Reason
            <select name="filter-reason" defaultValue={filter.reason}>
              <option value="">any</option>
              {REASONS.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <label>
            Scope
            <input name="filter-scope" defaultValue={filter.scope} placeholder="global or a sending domain" />
          </label>
          <label>
            Source contains
            <input name="filter-source" defaultValue={filter.source} placeholder="csv:, api:ops, a queue id" />
          </label>
          <button type="submit" className="primary">
            Search
          </button>
          {searching && (
            <button type="button" onClick={() => setParams(new URLSearchParams())}>
              Clear
            </button>
          )}
        </form>
        {error !== undefined && <ErrorNotice error={error} />}
        {loading && rows.length === 0 ? (
          <p className="loading" role="status">
            Loading…
          </p>
        ) : (
          <div className="part-d-table">
            <DataTable
              caption="Suppressed addresses"
              rows={rows}
              rowKey={(e) => `${e.address}/${e.scope}`}
              empty={searching ? 'No suppressed address matches this search.' : 'No suppressed addresses: Baton sends to every recipient. Bounces, complaints and unsubscribes add them here.'}
              columns={[
                { header: 'Address', cell: (e) => <span className="mono">{e.address}</span> },
                { header: 'Scope', cell: (e) => (e.scope === 'global' ? <span className="muted">global</span> : <span title="Only mail from this sending domain and its subdomains">{e.scope}</span>) },
                { header: 'Reason', cell: (e) => <Badge value={e.reason} /> },
                { header: 'Source', cell: (e) => <span className="mono">{e.source ?? ''}</span> },
                { header: 'Added', cell: (e) => formatTime(e.createdAt) },
                { header: 'Expires', cell: (e) => (e.expiresAt ? formatTime(e.expiresAt) : <span className="muted">never</span>) },
                {
                  header: 'Action',
                  cell: (e) => (
                    <ActionButton
                      kind="danger"
                      label={`Remove ${e.address} (${e.scope})`}
                      confirm={`Remove ${e.address} (${e.scope}) from the suppression list? Baton will send to it again.`}
                      onAction={async () => {
                        await api(`/api/v1/suppressions/${encodeURIComponent(e.address)}`, { method: 'DELETE', query: { scope: e.scope } });
                        setRows((r) => r.filter((x) => x !== e));
                      }}
                    >
                      Remove
                    </ActionButton>
                  ),
                },
              ]}
            />
            <p className="muted" role="status">
              {formatCount(rows.length)} {rows.length === 1 ? 'entry' : 'entries'} shown{next !== null ? ', more match' : ''}
            </p>
            {next !== null && <ActionButton onAction={more}>Show more</ActionButton>}
          </div>
        )}
      </Panel>
      <div className="grid">
        <AddPanel onAdded={reload} />
        <ImportPanel onImported={reload} />
      </div>
    </Page>
  );
}

/** The reason of new entries, "manual" unless chosen (the add form and the import's default). */
function ReasonSelect({ label }: { readonly label: string }) {
  return (
    <label>
      {label}
      <select name="reason" defaultValue="manual">
        {REASONS.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </select>
    </label>
  );
}

function AddPanel({ onAdded }: { readonly onAdded: () => void }) {
  const [done, setDone] = useState<string>();
  const { busy, error, onSubmit } = useSubmit(async (data, form) => {
    const address = String(data.get('address') ?? '').trim();
    const domain = String(data.get('domain') ?? '').trim();
    const expires = String(data.get('expires') ?? '');
    setDone(undefined);
    await api('/api/v1/suppressions', {
      json: {
        address,
        reason: data.get('reason'),
        ...(domain !== '' ? { domain } : {}),
        // The date input gives a day: the entry stops applying at the start of it, in the browser's zone.
        ...(expires !== '' ? { expiresAt: new Date(`${expires}T00:00:00`).toISOString() } : {}),
      },
    });
    setDone(`${address.toLowerCase()} suppressed${domain !== '' ? ` for mail from ${domain.toLowerCase()}` : ''}.`);
    form.reset();
    onAdded();
  });
  return (
    <Panel title="Add an address">
      <form className="stack" onSubmit={onSubmit}>
        <label>
          Address
          <input name="address" type="email" required autoComplete="off" placeholder="bob@example.net" />
        </label>
        <ReasonSelect label="Reason" />
        <label>
          Only for mail from (sending domain; empty: every sender)
          <input name="domain" autoComplete="off" placeholder="news.example.com" />
        </label>
        <label>
          Expires on (empty: never)
          <input name="expires" type="date" />
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
            Add
          </button>
        </div>
        {done && <Notice kind="ok">{done}</Notice>}
        {error !== undefined && <ErrorNotice error={error} />}
      </form>
    </Panel>
  );
}

interface ImportRun {
  readonly file: string;
  readonly total: number;
  readonly done: number;
  readonly imported: number;
  readonly skipped: number;
  readonly problems: readonly string[];
  readonly finished: boolean;
  readonly stopped?: boolean;
}

/**
 * Import a CSV file part by part (POST /api/v1/suppressions/import): the bar
 * moves with each answer. The first part tells whether the file has a header
 * row; later parts repeat it and say where they start, so bad rows are
 * reported by their line in the file.
 */
function ImportPanel({ onImported }: { readonly onImported: () => void }) {
  const [run, setRun] = useState<ImportRun>();
  const [error, setError] = useState<unknown>();
  const stop = useRef<AbortController>(undefined);

  async function start(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const file = form.get('file');
    if (!(file instanceof File) || file.name === '') return setError(new Error('Choose a CSV file first.'));
    const reason = String(form.get('reason') ?? 'manual');
    const domain = String(form.get('domain') ?? '').trim();
    setError(undefined);
    setRun(undefined);
    const ctrl = new AbortController();
    stop.current = ctrl;
    const text = await file.text();
    const split = splitCsv(text, Number.POSITIVE_INFINITY);
    if (split.records === 0) return setError(new Error(`${file.name} has no rows.`));
    const { parts, first } = splitCsv(text, partSize(split.records));
    let state: ImportRun = { file: file.name, total: split.records, done: 0, imported: 0, skipped: 0, problems: [], finished: false };
    setRun(state);
    let header: boolean | undefined;
    try {
      for (const [i, part] of parts.entries()) {
        if (ctrl.signal.aborted) {
          state = { ...state, stopped: true };
          break;
        }
        const repeat = i > 0 && header === true;
        const body = repeat ? `${first}${/\n$/.test(first) ? '' : '\n'}${part.text}` : part.text;
        // The server numbers the part's lines from 1; with the header repeated on line 1, the part's own first line is its line 2.
        const lineOffset = i === 0 ? 0 : part.firstLine - (repeat ? 2 : 1);
        const a = await api<ImportAnswer>('/api/v1/suppressions/import', {
          raw: { body, type: 'text/csv' },
          query: { reason, domain, file: file.name, lineOffset },
          signal: ctrl.signal,
        });
        header ??= a.hasHeader;
        state = {
          ...state,
          total: header ? split.records - 1 : split.records,
          done: state.done + a.rows,
          imported: state.imported + a.imported,
          skipped: state.skipped + a.skipped,
          problems: [...state.problems, ...a.problems].slice(0, 100),
        };
        setRun(state);
      }
      state = { ...state, finished: true };
    } catch (err) {
      if ((err as Error).name === 'AbortError') state = { ...state, finished: true, stopped: true };
      else {
        state = { ...state, finished: true };
        setError(err);
      }
    } finally {
      stop.current = undefined;
      setRun(state);
      onImported();
    }
  }

  const running = run !== undefined && !run.finished;
  return (
    <Panel title="Import a CSV file">
      <form className="stack" onSubmit={start}>
        <p className="muted">
          A header row naming the columns (<code>address</code> or <code>email</code>, and any of <code>domain</code>, <code>reason</code>, <code>source</code>, <code>created</code>, <code>expires</code>), or one address a line. The format Export writes.
        </p>
        <label>
          CSV file
          <input name="file" type="file" accept=".csv,text/csv,text/plain" required />
        </label>
        <ReasonSelect label="Reason for rows without one" />
        <label>
          Sending domain for rows without one (empty: global)
          <input name="domain" autoComplete="off" placeholder="news.example.com" />
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={running} aria-busy={running}>
            Import
          </button>
          {running && (
            <button type="button" onClick={() => stop.current?.abort()}>
              Stop
            </button>
          )}
        </div>
      </form>
      {run && <Progress label={`Rows of ${run.file} read`} done={run.done} total={run.total} />}
      {run?.finished && (
        <Notice kind={run.skipped > 0 || run.stopped ? 'warn' : 'ok'}>
          {run.stopped ? 'Stopped: ' : 'Done: '}
          imported {formatCount(run.imported)} of {formatCount(run.done)} rows from {run.file}
          {run.skipped > 0 ? `; ${formatCount(run.skipped)} bad rows skipped` : ''}.
        </Notice>
      )}
      {run && run.problems.length > 0 && (
        <details>
          <summary>Bad rows{run.skipped > run.problems.length ? ` (the first ${run.problems.length} of ${formatCount(run.skipped)})` : ''}</summary>
          <ul className="problems">
            {run.problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </details>
      )}
      {error !== undefined && <ErrorNotice error={error} />}
      {error instanceof ApiError && typeof error.extra.imported === 'number' && (
        <Notice kind="warn">The rows before the fault were kept; importing the fixed file again replaces them, it does not double them.</Notice>
      )}
    </Panel>
  );
}

/** Downloads what the search selects (everything without one) as the CSV that Import reads. */
function ExportButton({ filter, searching }: { readonly filter: Readonly<Record<string, string>>; readonly searching: boolean }) {
  return (
    <ActionButton
      onAction={async () => {
        const csv = await apiText('/api/v1/suppressions/export', { query: filter });
        const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = `suppressions-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.csv`;
        document.body.append(a);
        a.click();
        a.remove();
        // Revoked after the click has started the download.
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }}
    >
      {searching ? 'Export these as CSV' : 'Export CSV'}
    </ActionButton>
  );
}
