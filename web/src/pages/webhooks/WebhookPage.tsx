import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api';
import { DataTable } from '../../ui/DataTable';
import { formatAgo, formatCount, formatTime } from '../../ui/format';
import { ErrorNotice, Notice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import { eventsText, lagText, StateBadge, type Delivery, type DeliveryWithBody, type Webhook } from './types';
import { WebhookActions } from './WebhookActions';

/** What was POSTed, fetched when the operator opens it (the list carries no bodies). */
function DeliveryBody({ webhookId, delivery }: { readonly webhookId: string; readonly delivery: Delivery }) {
  const [full, setFull] = useState<DeliveryWithBody>();
  const [error, setError] = useState<unknown>();
  function toggle(open: boolean) {
    if (!open || full) return;
    api<DeliveryWithBody>(`/api/v1/webhooks/${webhookId}/deliveries/${delivery.id}`).then(setFull, setError);
  }
  if (delivery.bodyLength === null) return <span className="muted">Not kept</span>;
  return (
    <details onToggle={(e) => toggle(e.currentTarget.open)}>
      <summary>Body ({formatCount(delivery.bodyLength)} characters)</summary>
      {error !== undefined && <ErrorNotice error={error} />}
      {full === undefined && error === undefined && <p className="muted">Loading…</p>}
      {full && (
        <>
          <pre aria-label={`Body of delivery ${delivery.id}`}>{pretty(full.body ?? '')}</pre>
          {full.bodyTruncated && <p className="muted">Only the first 256 KiB were kept.</p>}
        </>
      )}
    </details>
  );
}

/** The body indented for reading; as sent when it is not JSON (cut short). */
function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function Replay({ webhook, onDone }: { readonly webhook: Webhook; readonly onDone: () => void }) {
  const [from, setFrom] = useState<'event' | 'time'>('event');
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const value = String(data.get('from') ?? '');
      const json = from === 'event' ? { fromEventId: Number(value) } : { fromTime: new Date(value).toISOString() };
      const r = await api<{ firstEventId: number }>(`/api/v1/webhooks/${webhook.id}/replay`, { json });
      setResult(`Replaying from event ${r.firstEventId}${webhook.enabled ? '' : ': the endpoint is disabled, so it starts once you enable it'}.`);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Panel title="Replay">
      <p className="muted">
        Send events again, from an event id or a time on (events are kept for <code>events.retention</code>). The receiver sees the same event ids again and can skip those it
        has.
      </p>
      <form className="filters" onSubmit={submit}>
        <label>
          Replay from
          <select value={from} onChange={(e) => setFrom(e.target.value as 'event' | 'time')}>
            <option value="event">an event id</option>
            <option value="time">a time</option>
          </select>
        </label>
        {from === 'event' ? (
          <label key="event">
            Event id
            <input name="from" type="number" min={1} required defaultValue={Math.max(1, webhook.cursor)} />
          </label>
        ) : (
          <label key="time">
            Time (your local time)
            <input name="from" type="datetime-local" step={1} required />
          </label>
        )}
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          Replay
        </button>
      </form>
      {error !== undefined && <ErrorNotice error={error} />}
      {result && <Notice kind="ok">{result}</Notice>}
    </Panel>
  );
}

/** /webhooks/:id: one endpoint, its state and health, replay, and its recent deliveries with their bodies. */
export function WebhookPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const hook = useApi<Webhook>(`/api/v1/webhooks/${encodeURIComponent(id)}`, { pollMs: 5000 });
  const log = useApi<{ deliveries: Delivery[] }>(`/api/v1/webhooks/${encodeURIComponent(id)}/deliveries`, { query: { limit: 50 }, pollMs: 3000 });
  const w = hook.data;
  const reload = () => {
    hook.reload();
    log.reload();
  };
  return (
    <Page title="Webhook" actions={w && <WebhookActions webhook={w} onChange={reload} onRemoved={() => navigate('/webhooks')} />}>
      <p>
        <Link to="/webhooks">All webhooks</Link>
      </p>
      {hook.error !== undefined && <ErrorNotice error={hook.error} />}
      {w && (
        <Panel title="Endpoint">
          <dl className="facts">
            <dt>URL</dt>
            <dd className="mono">{w.url}</dd>
            {w.description && (
              <>
                <dt>Description</dt>
                <dd>{w.description}</dd>
              </>
            )}
            <dt>Id</dt>
            <dd className="mono">{w.id}</dd>
            <dt>Events</dt>
            <dd>{eventsText(w.events)}</dd>
            <dt>State</dt>
            <dd>
              <StateBadge webhook={w} />{' '}
              {!w.enabled && w.disabledAt && (
                <span className="muted">
                  since {formatTime(w.disabledAt)} ({w.disabledReason === 'operator' ? 'by an operator' : w.disabledReason})
                </span>
              )}
            </dd>
            <dt>Lag</dt>
            <dd>
              {lagText(w.lag)} <span className="muted">(delivered up to event {w.cursor}; newest {w.lag.newestEventId})</span>
            </dd>
            <dt>Last success</dt>
            <dd>{w.lastSuccessAt ? `${formatTime(w.lastSuccessAt)} (${formatAgo(w.lastSuccessAt)})` : 'None in the log'}</dd>
            <dt>Last failure</dt>
            <dd>{w.lastFailureAt ? `${formatTime(w.lastFailureAt)} (${formatAgo(w.lastFailureAt)})` : 'None in the log'}</dd>
            {w.failures > 0 && (
              <>
                <dt>Failing</dt>
                <dd className="bad-text">
                  {w.failures} failed POST{w.failures === 1 ? '' : 's'} since {formatTime(w.failingSince)}: {w.lastError}
                  {w.nextAttemptAt ? `; next try ${formatAgo(w.nextAttemptAt)}` : ''}
                </dd>
              </>
            )}
            <dt>Created</dt>
            <dd>{formatTime(w.createdAt)}</dd>
          </dl>
        </Panel>
      )}
      <Panel title="Recent deliveries">
        {log.error !== undefined && <ErrorNotice error={log.error} />}
        {log.data && (
          <DataTable
            caption="Recent deliveries, newest first"
            rows={log.data.deliveries}
            rowKey={(d) => String(d.id)}
            empty="No deliveries yet: the endpoint gets a POST when the next event happens (or use Send test)."
            columns={[
              { header: 'Time', cell: (d) => <time dateTime={d.at}>{formatTime(d.at)}</time> },
              {
                header: 'Status',
                cell: (d) => (
                  <span className={`badge ${d.ok ? 'ok' : 'bad'}`}>{d.status !== null ? `${d.status}${d.ok ? ' OK' : ' failed'}` : 'no answer'}</span>
                ),
              },
              { header: 'Events', cell: (d) => `${d.events} (ids ${d.firstEventId === d.lastEventId ? d.firstEventId : `${d.firstEventId}–${d.lastEventId}`})` },
              { header: 'Took', numeric: true, cell: (d) => `${d.durationMs} ms` },
              {
                header: 'Answer',
                cell: (d) => (
                  <div>
                    {d.error && <div className="bad-text">{d.error}</div>}
                    {d.response ? <code className="response">{d.response}</code> : !d.error && <span className="muted">Empty</span>}
                  </div>
                ),
              },
              { header: 'Sent', cell: (d) => <DeliveryBody webhookId={id} delivery={d} /> },
            ]}
          />
        )}
      </Panel>
      {w && <Replay webhook={w} onDone={reload} />}
    </Page>
  );
}
