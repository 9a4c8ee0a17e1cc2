import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { DataTable } from '../../ui/DataTable';
import { SubmitRow, useSubmit } from '../../ui/Form';
import { formatAgo, formatTime } from '../../ui/format';
import { Loaded } from '../../ui/Loaded';
import { Notice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { Secret } from '../../ui/Secret';
import { useApi } from '../../ui/useApi';
import { eventsText, lagText, StateBadge, type Webhook } from './types';
import { WebhookActions } from './WebhookActions';

interface OpenApiDoc {
  readonly paths?: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: { properties?: { events?: { items?: { enum?: string[] } } } } }> } } }>;
}

/**
 * The event types an endpoint can take, read from the API's own OpenAPI
 * document (the createWebhook body's enum): the list lives in one place,
 * the server, and a new event type shows here without a dashboard change.
 */
function useEventTypes(): readonly string[] | undefined {
  const doc = useApi<OpenApiDoc>('/api/v1/openapi.json');
  return doc.data?.paths?.['/api/v1/webhooks']?.post?.requestBody?.content?.['application/json']?.schema?.properties?.events?.items?.enum;
}

interface Created extends Webhook {
  readonly secret: string;
}

function AddWebhook({ onAdded }: { readonly onAdded: () => void }) {
  const types = useEventTypes();
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [created, setCreated] = useState<Created>();

  const { busy, error, onSubmit } = useSubmit(async (data, form) => {
    const description = String(data.get('description') ?? '').trim();
    const made = await api<Created>('/api/v1/webhooks', {
      json: { url: String(data.get('url') ?? '').trim(), ...(chosen.size ? { events: [...chosen] } : {}), ...(description ? { description } : {}) },
    });
    setCreated(made);
    form.reset();
    setChosen(new Set());
    onAdded();
  });

  const toggle = (t: string) =>
    setChosen((old) => {
      const next = new Set(old);
      if (next.has(t)) next.delete(t);
      else next.add(t);
      return next;
    });

  return (
    <Panel title="Add a webhook">
      <form className="stack" onSubmit={onSubmit}>
        <label>
          URL
          <input name="url" type="url" required placeholder="https://hooks.example.com/baton" autoComplete="off" />
        </label>
        <label>
          <span>
            Description <span className="muted">(optional)</span>
          </span>
          <input name="description" maxLength={500} placeholder="CRM bounce handler" />
        </label>
        <fieldset className="event-types">
          <legend>Events {chosen.size === 0 ? <span className="muted">(none ticked: every event)</span> : <span className="muted">({chosen.size} chosen)</span>}</legend>
          {types === undefined ? (
            <p className="muted">Loading event types…</p>
          ) : (
            types.map((t) => (
              <label key={t} className="check">
                <input type="checkbox" checked={chosen.has(t)} onChange={() => toggle(t)} /> {t}
              </label>
            ))
          )}
        </fieldset>
        <SubmitRow busy={busy} error={error}>
          Add webhook
        </SubmitRow>
      </form>
      {created && (
        <Notice kind="ok">
          <p>
            Webhook <Link to={`/webhooks/${created.id}`}>{created.url}</Link> added. It receives events from now on. Its signing secret is shown{' '}
            <strong>only this once</strong>: give it to the receiver to check the <code>Baton-Signature</code> header.
          </p>
          <Secret value={created.secret} label="Signing secret" copyLabel="Copy secret" />
        </Notice>
      )}
    </Panel>
  );
}

function Health({ w }: { readonly w: Webhook }) {
  return (
    <div className="health">
      <div>{lagText(w.lag)}</div>
      <div className="muted">
        Last success: {w.lastSuccessAt ? <time dateTime={w.lastSuccessAt} title={formatTime(w.lastSuccessAt)}>{formatAgo(w.lastSuccessAt)}</time> : 'none yet'}
      </div>
      {w.lastFailureAt && (
        <div className="muted">
          Last failure: <time dateTime={w.lastFailureAt} title={formatTime(w.lastFailureAt)}>{formatAgo(w.lastFailureAt)}</time>
        </div>
      )}
      {w.failures > 0 && w.lastError && (
        <div className="bad-text">
          {w.failures} failure{w.failures === 1 ? '' : 's'} in a row: {w.lastError}
          {w.nextAttemptAt ? ` (next try ${formatAgo(w.nextAttemptAt)})` : ''}
        </div>
      )}
    </div>
  );
}

/** /webhooks: every endpoint with its health, and the form to add one. */
export function WebhooksPage() {
  const list = useApi<{ webhooks: Webhook[] }>('/api/v1/webhooks', { pollMs: 5000 });
  return (
    <Page title="Webhooks">
      <Panel title="Endpoints">
        <Loaded state={list} loading={<p className="muted">Loading…</p>}>
          {(data) => (
            <DataTable
              caption="Webhook endpoints"
              rows={data.webhooks}
              rowKey={(w) => w.id}
              empty="No webhooks yet. Add one below to have Baton POST its events (delivered, bounced, complained…) to your application."
              columns={[
                {
                  header: 'Endpoint',
                  cell: (w) => (
                    <div>
                      <Link to={`/webhooks/${w.id}`} className="mono">
                        {w.url}
                      </Link>
                      {w.description && <div className="muted">{w.description}</div>}
                    </div>
                  ),
                },
                { header: 'Events', cell: (w) => <span className="words">{eventsText(w.events)}</span> },
                {
                  header: 'State',
                  cell: (w) => (
                    <div>
                      <StateBadge webhook={w} />
                      {!w.enabled && w.disabledReason && <div className="muted">{w.disabledReason === 'operator' ? 'by an operator' : w.disabledReason}</div>}
                    </div>
                  ),
                },
                { header: 'Health', cell: (w) => <Health w={w} /> },
                { header: 'Actions', cell: (w) => <WebhookActions webhook={w} onChange={list.reload} onRemoved={list.reload} /> },
              ]}
            />
          )}
        </Loaded>
      </Panel>
      <AddWebhook onAdded={list.reload} />
    </Page>
  );
}
