import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../../api';
import { DataTable } from '../../ui/DataTable';
import { formatCount } from '../../ui/format';
import { Loaded } from '../../ui/Loaded';
import { ErrorNotice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import type { Items } from '../lists/types';
import { JsonArea, pretty } from '../segments/JsonArea';
import { EXAMPLE_FLOW, triggerText, type FlowView } from './types';

/** A flow written as the JSON the API takes (POST /api/v1/flows: name, trigger, steps, active). */
function CreateFlow() {
  const navigate = useNavigate();
  const [text, setText] = useState(pretty(EXAMPLE_FLOW));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        throw new Error(`The flow is not JSON: ${(err as Error).message}`);
      }
      const made = await api<FlowView>('/api/v1/flows', { json: body });
      navigate(`/flows/${made.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Panel title="New flow">
      <form className="stack wide" onSubmit={submit}>
        <JsonArea
          label="Flow (JSON)"
          rows={18}
          value={text}
          onChange={setText}
          hint='trigger: {"type": "list-joined", "list"} | {"type": "attribute-changed", "attr", "value"?} | {"type": "event", "name"}; steps: wait, send, branch, update, exit; "apiKey": the API key its mail goes out as (your login otherwise).'
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
            Create flow
          </button>
        </div>
        {error !== undefined && <ErrorNotice error={error} />}
      </form>
    </Panel>
  );
}

/** /flows: every flow with its trigger and how many contacts are where, and a JSON form for a new one. */
export function FlowsPage() {
  const flows = useApi<Items<FlowView>>('/api/v1/flows', { pollMs: 10_000 });
  return (
    <Page title="Flows">
      <Panel title="Flows">
        <Loaded state={flows}>
          {(data) => (
            <DataTable
              caption="Automation flows"
              rows={data.items}
              rowKey={(f) => String(f.id)}
              empty="No flows yet. A flow sends a series (welcome, drip) to each contact that triggers it."
              columns={[
                { header: 'Flow', cell: (f) => <Link to={`/flows/${f.id}`}>{f.name}</Link> },
                { header: 'Trigger', cell: (f) => triggerText(f.trigger) },
                { header: 'State', cell: (f) => <span className={`badge ${f.active ? 'ok' : 'warn'}`}>{f.active ? 'active' : 'paused'}</span> },
                { header: 'Running', numeric: true, cell: (f) => formatCount(f.counts.running) },
                { header: 'Waiting', numeric: true, cell: (f) => formatCount(f.counts.waiting) },
                { header: 'Completed', numeric: true, cell: (f) => formatCount(f.counts.completed) },
                { header: 'Exited', numeric: true, cell: (f) => formatCount(f.counts.exited) },
              ]}
            />
          )}
        </Loaded>
      </Panel>
      <CreateFlow />
    </Page>
  );
}
