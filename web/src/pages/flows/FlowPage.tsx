import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api';
import { Badge } from '../../ui/Badge';
import { ActionButton } from '../../ui/Buttons';
import { DataTable } from '../../ui/DataTable';
import { formatAgo, formatCount, formatTime } from '../../ui/format';
import { ErrorNotice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { Stat } from '../../ui/Stat';
import { useApi } from '../../ui/useApi';
import type { Items } from '../lists/types';
import { StepsTree } from './StepsTree';
import { positionText, triggerText, type FlowRun, type FlowView } from './types';

function Runs({ flowId }: { readonly flowId: number }) {
  const [contact, setContact] = useState('');
  const runs = useApi<Items<FlowRun>>(`/api/v1/flows/${flowId}/runs`, { query: { contact }, pollMs: 5000 });
  function search(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setContact(String(new FormData(e.currentTarget).get('run-contact') ?? '').trim());
  }
  return (
    <Panel title="Runs">
      <form className="filters" role="search" aria-label="Search runs" onSubmit={search}>
        <label>
          Contact (id or address)
          <input name="run-contact" type="search" autoComplete="off" />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {runs.error !== undefined && <ErrorNotice error={runs.error} />}
      {runs.data && (
        <DataTable
          caption="Contacts in this flow"
          rows={runs.data.items}
          rowKey={(r) => String(r.id)}
          empty={contact ? 'This contact has no run in this flow.' : 'No contact has entered this flow yet.'}
          columns={[
            { header: 'Contact', cell: (r) => <span className="mono">{r.address}</span> },
            { header: 'State', cell: (r) => <Badge value={r.state} /> },
            { header: 'At step', cell: (r) => <span className="mono">{positionText(r.position)}</span> },
            { header: 'Next', cell: (r) => (r.nextAt ? <time title={formatTime(r.nextAt)}>{formatAgo(r.nextAt)}</time> : r.exitReason ?? '') },
            { header: 'Started', cell: (r) => formatTime(r.startedAt) },
          ]}
        />
      )}
    </Panel>
  );
}

/** /flows/:id: the trigger, the steps as a tree, the counts and runs; pause, resume, delete. */
export function FlowPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const flow = useApi<FlowView>(`/api/v1/flows/${encodeURIComponent(id)}`, { pollMs: 5000 });
  const f = flow.data;
  return (
    <Page
      title={f ? `Flow: ${f.name}` : 'Flow'}
      actions={
        f && (
          <>
            <ActionButton
              label={`${f.active ? 'Pause' : 'Resume'} flow ${f.name}`}
              onAction={async () => {
                await api(`/api/v1/flows/${f.id}/${f.active ? 'pause' : 'resume'}`, { method: 'POST' });
                flow.reload();
              }}
            >
              {f.active ? 'Pause' : 'Resume'}
            </ActionButton>
            <ActionButton
              kind="danger"
              label={`Delete flow ${f.name}`}
              confirm={`Delete the flow ${f.name}? Contacts in it leave it.`}
              onAction={async () => {
                await api(`/api/v1/flows/${f.id}`, { method: 'DELETE' });
                navigate('/flows');
              }}
            >
              Delete
            </ActionButton>
          </>
        )
      }
    >
      <p>
        <Link to="/flows">All flows</Link>
      </p>
      {flow.error !== undefined && <ErrorNotice error={flow.error} />}
      {f && (
        <>
          <div className="stats">
            <Stat label="Running" value={formatCount(f.counts.running)} />
            <Stat label="Waiting" value={formatCount(f.counts.waiting)} />
            <Stat label="Completed" value={formatCount(f.counts.completed)} />
            <Stat label="Exited" value={formatCount(f.counts.exited)} />
          </div>
          <Panel title="Definition">
            <dl className="facts">
              <dt>State</dt>
              <dd>
                <span className={`badge ${f.active ? 'ok' : 'warn'}`}>{f.active ? 'active' : 'paused'}</span>
              </dd>
              <dt>Trigger</dt>
              <dd>{triggerText(f.trigger)}</dd>
              {f.apiKey && (
                <>
                  <dt>Sends as</dt>
                  <dd className="mono">{f.apiKey}</dd>
                </>
              )}
              <dt>Updated</dt>
              <dd>{formatTime(f.updatedAt)}</dd>
            </dl>
            <h3>Steps</h3>
            <StepsTree steps={f.steps} />
          </Panel>
          <Runs flowId={f.id} />
        </>
      )}
    </Page>
  );
}
