import { useState } from 'react';
import { api, apiUrl } from '../../api';
import { DataTable } from '../../ui/DataTable';
import { SubmitRow, useSubmit } from '../../ui/Form';
import { formatCount } from '../../ui/format';
import { Notice } from '../../ui/Notice';
import { Panel } from '../../ui/Page';
import type { ImportReport } from './types';

/**
 * Import a CSV file into a list (POST /api/v1/contacts/import?list=ID, one
 * request: the server upserts by address and answers with the report), and
 * the export link (GET /api/v1/contacts/export?list=ID, authenticated by the
 * session cookie like any GET of the dashboard).
 */
export function ImportPanel({ listId, onImported }: { readonly listId: number; readonly onImported: () => void }) {
  const [report, setReport] = useState<{ file: string; report: ImportReport }>();
  const { busy, error, onSubmit } = useSubmit(async (data, form) => {
    const file = data.get('file');
    if (!(file instanceof File) || file.name === '') throw new Error('Choose a CSV file first.');
    setReport(undefined);
    const answer = await api<ImportReport>('/api/v1/contacts/import', { raw: { body: await file.text(), type: 'text/csv' }, query: { list: listId } });
    setReport({ file: file.name, report: answer });
    form.reset();
    onImported();
  });
  const r = report?.report;
  const rejected = r ? (r.rejectedCount ?? r.rejected.length) : 0;
  return (
    <Panel title="Import and export">
      <form className="stack" onSubmit={onSubmit}>
        <p className="muted">
          A header row, then one contact a line: a column <code>address</code> (or <code>email</code>); every other column becomes an attribute. An address already
          known is updated, not doubled.
        </p>
        <label>
          CSV file
          <input name="file" type="file" accept=".csv,text/csv,text/plain" required />
        </label>
        <SubmitRow busy={busy} error={error}>
          Import
        </SubmitRow>
      </form>
      {report && r && (
        <Notice kind={rejected > 0 ? 'warn' : 'ok'}>
          Imported {report.file}: {formatCount(r.total)} rows, {formatCount(r.created)} created, {formatCount(r.updated)} updated, {formatCount(rejected)} rejected.
        </Notice>
      )}
      {r && r.rejected.length > 0 && (
        <>
          {rejected > r.rejected.length && <p className="muted">The first {formatCount(r.rejected.length)} rejected rows:</p>}
          <DataTable
            caption="Rejected rows (row 1 is the first after the header)"
            rows={r.rejected}
            rowKey={(x) => String(x.row)}
            empty=""
            columns={[
              { header: 'Row', numeric: true, cell: (x) => x.row },
              { header: 'Address', cell: (x) => <span className="mono">{x.address}</span> },
              { header: 'Reason', cell: (x) => x.reason },
            ]}
          />
        </>
      )}
      <p>
        <a href={apiUrl('/api/v1/contacts/export', { list: listId })} download={`list-${listId}.csv`}>
          Export this list as CSV
        </a>{' '}
        <span className="muted">(address, status, lists, then one column per attribute)</span>
      </p>
    </Panel>
  );
}
