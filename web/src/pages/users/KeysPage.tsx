import { useState } from 'react';
import { api } from '../../api';
import { ActionButton } from '../../ui/Buttons';
import { DataTable } from '../../ui/DataTable';
import { SubmitRow, useSubmit } from '../../ui/Form';
import { formatAgo, formatTime } from '../../ui/format';
import { Loaded } from '../../ui/Loaded';
import { Notice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { Secret } from '../../ui/Secret';
import { useApi } from '../../ui/useApi';
import { ContainedBadge, LimitFields, limitsFromForm, limitsText, UsageCell, type Limits, type Usage } from './limits';

/** GET /api/v1/keys (docs/api.md#api-keys). */
interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly ('send' | 'read' | 'admin')[];
  readonly domains: readonly string[];
  readonly usage?: Usage;
  readonly settings: { readonly stream?: 'transactional' | 'bulk'; readonly limits?: Limits };
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

const SCOPES = [
  { value: 'send', text: 'send: send mail' },
  { value: 'read', text: 'read: read state (messages, queue, stats)' },
  { value: 'admin', text: 'admin: act on the queue, manage keys, users, webhooks' },
] as const;

function CreateKey({ onCreated }: { readonly onCreated: () => void }) {
  const [created, setCreated] = useState<{ name: string; key: string }>();
  const { busy, error, onSubmit } = useSubmit(async (data, form) => {
    const scopes = data.getAll('scope').map(String);
    setCreated(undefined);
    if (scopes.length === 0) throw new Error('Tick at least one scope: send for an application that sends mail.');
    const stream = String(data.get('stream') ?? '');
    const made = await api<ApiKey & { key: string }>('/api/v1/keys', {
      json: {
        name: String(data.get('name') ?? '').trim(),
        scopes,
        domains: String(data.get('domains') ?? '').split(/[\s,]+/).filter(Boolean),
        ...(stream === 'bulk' ? { stream } : {}),
      },
    });
    // The key exists (and is shown) even if setting its limits fails: the error says so below.
    setCreated({ name: made.name, key: made.key });
    form.reset();
    onCreated();
    const limits = limitsFromForm(data, 'key-', false);
    if (Object.keys(limits).length > 0) {
      await api(`/api/v1/keys/${encodeURIComponent(made.name)}`, { method: 'PATCH', json: { limits } });
      onCreated();
    }
  });
  return (
    <Panel title="Create an API key">
      <form className="stack" onSubmit={onSubmit}>
        <label>
          Name
          <input name="name" required maxLength={100} autoComplete="off" placeholder="shop" aria-describedby="key-name-help" />
          <span id="key-name-help" className="muted hint">
            Its mail is counted for quotas as api:NAME. A name stays taken after revocation.
          </span>
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s.value} className="check">
              <input type="checkbox" name="scope" value={s.value} defaultChecked={s.value === 'send'} /> {s.text}
            </label>
          ))}
        </fieldset>
        <label>
          <span>
            Send-as domains <span className="muted">(optional)</span>
          </span>
          <input name="domains" autoComplete="off" placeholder="example.com, example.org" aria-describedby="key-domains-help" />
          <span id="key-domains-help" className="muted hint">
            Empty: any domain Baton relays for.
          </span>
        </label>
        <label>
          Stream
          <select name="stream" defaultValue="transactional">
            <option value="transactional">transactional</option>
            <option value="bulk">bulk</option>
          </select>
        </label>
        <fieldset>
          <legend>Limits <span className="muted">(empty: the server default)</span></legend>
          <LimitFields prefix="key-" />
        </fieldset>
        <SubmitRow busy={busy} error={error}>
          Create key
        </SubmitRow>
      </form>
      {created && (
        <Notice kind="ok">
          <p>
            Key {created.name} created. Copy it now: it is shown <strong>only this once</strong> (Baton keeps only its hash).
          </p>
          <Secret value={created.key} label="New API key" copyLabel="Copy key" />
        </Notice>
      )}
    </Panel>
  );
}

/** /keys: API keys with their scopes, limits and usage; create (the key shown once) and revoke. */
export function KeysPage() {
  const list = useApi<{ keys: ApiKey[] }>('/api/v1/keys', { pollMs: 5000 });
  const keys = list.data?.keys ?? [];
  // Active keys first: revoked ones stay listed (their names stay taken) but are history.
  const rows = [...keys.filter((k) => !k.revokedAt), ...keys.filter((k) => k.revokedAt)];
  return (
    <Page title="API keys">
      <Panel title="Keys">
        <Loaded state={list} loading={<p className="muted">Loading…</p>}>
          {() => (
            <DataTable
              caption="API keys"
              rows={rows}
              rowKey={(k) => k.id}
              empty="No API keys. Create one below for an application that sends over HTTP, or for a script that reads Baton's state."
              columns={[
                {
                  header: 'Key',
                  cell: (k) => (
                    <div>
                      <strong>{k.name}</strong>
                      <div className="muted mono words">baton_{k.id}_…</div>
                    </div>
                  ),
                },
                { header: 'Scopes', cell: (k) => <span className="words">{k.scopes.join(', ')}</span> },
                { header: 'Domains', cell: (k) => (k.domains.length ? k.domains.join(', ') : <span className="muted">any</span>) },
                { header: 'Limits', cell: (k) => limitsText(k.usage?.limits ?? k.settings.limits ?? {}) },
                { header: 'Usage', cell: (k) => (k.usage ? <UsageCell usage={k.usage} /> : <span className="muted">Not counted</span>) },
                {
                  header: 'State',
                  cell: (k) =>
                    k.revokedAt ? (
                      <div>
                        <span className="badge bad">revoked</span>
                        <div className="muted">{formatTime(k.revokedAt)}</div>
                      </div>
                    ) : (
                      <div>
                        {k.usage?.contained ? <ContainedBadge contained={k.usage.contained} /> : <span className="badge ok">active</span>}
                        <div className="muted">{k.lastUsedAt ? `used ${formatAgo(k.lastUsedAt)}` : 'never used'}</div>
                      </div>
                    ),
                },
                {
                  header: 'Actions',
                  cell: (k) =>
                    k.revokedAt ? (
                      <span className="muted">None</span>
                    ) : (
                      <div className="nowrap-buttons">
                        <ActionButton
                          kind="danger"
                          label={`Revoke key ${k.name}`}
                          confirm={`Revoke the API key ${k.name}? Every request with it is refused from now on (401); this cannot be undone.`}
                          onAction={async () => {
                            await api(`/api/v1/keys/${encodeURIComponent(k.name)}`, { method: 'DELETE' });
                            list.reload();
                          }}
                        >
                          Revoke
                        </ActionButton>
                      </div>
                    ),
                },
              ]}
            />
          )}
        </Loaded>
      </Panel>
      <CreateKey onCreated={list.reload} />
    </Page>
  );
}
