import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { api } from '../../api';
import { Badge } from '../../ui/Badge';
import { ActionButton, CopyButton } from '../../ui/Buttons';
import { DataTable } from '../../ui/DataTable';
import { SubmitRow, useSubmit } from '../../ui/Form';
import { formatTime } from '../../ui/format';
import { Loaded } from '../../ui/Loaded';
import { ErrorNotice, Notice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import { ALGORITHMS, domainPath, PURPOSE_WORDS, ROLE_WORDS, type DkimKeys, type DnsRecord, type Domain, type NewDkimKey } from './types';

/** One domain: the DNS records to publish with their live status, and its DKIM keys with create and rotate. */
export function DomainPage() {
  const name = useParams().domain ?? '';
  const location = useLocation();
  const domain = useApi<Domain>(domainPath(name));
  const [switching, setSwitching] = useState(false);
  // While DNS serves a pending key's record, Baton's checker switches to it at its next round: look again until it has.
  const keys = useApi<DkimKeys>(`${domainPath(name)}/dkim-keys`, switching ? { pollMs: 3000 } : {});
  const waiting = keys.data?.keys.some((k) => k.state === 'pending-dns' && k.dns.status === 'published') ?? false;
  if (waiting !== switching) setSwitching(waiting);
  // Once the switch is made, the records' notes change too ("keep it published" instead of "signs once published").
  const wasSwitching = useRef(false);
  useEffect(() => {
    if (wasSwitching.current && !switching) domain.reload();
    wasSwitching.current = switching;
  }, [switching, domain.reload]);
  // The key just made (here or on the list page), shown until the next one.
  const [made, setMade] = useState<readonly NewDkimKey[]>(() => {
    const fromList = (location.state as { made?: NewDkimKey } | null)?.made;
    return fromList ? [fromList] : [];
  });
  const reload = () => {
    domain.reload();
    keys.reload();
  };
  const checking = domain.loading || keys.loading;
  return (
    <Page
      title={name}
      actions={
        <>
          <Link to="/domains">All domains</Link>
          <button type="button" onClick={reload} disabled={checking} aria-busy={checking}>
            Check DNS again
          </button>
        </>
      }
    >
      {made.map((m) => (
        <Notice key={m.selector} kind="ok">
          New {m.algorithm} key <code>{m.selector}</code>: publish its TXT record below (<code>{m.name}</code>). Baton signs with it once DNS serves it.
        </Notice>
      ))}
      <Panel title="DNS records to publish">
        <Loaded state={domain} loading={<p className="loading" role="status">Looking up DNS…</p>}>
          {(data) => (
            <>
              <p className="muted">
                Role: {data.roles.map((r) => ROLE_WORDS[r] ?? r).join(', ')}. Status is what DNS serves now, asked through Baton's own resolver.
              </p>
              <div className="part-d-table">
                <RecordsTable records={data.records} />
              </div>
            </>
          )}
        </Loaded>
      </Panel>
      <Panel title="DKIM keys">
        {keys.error !== undefined && <ErrorNotice error={keys.error} />}
        {switching && <Notice>DNS serves a new key's record: Baton switches to it at its next check (every dkim.checkInterval). This page looks again every few seconds.</Notice>}
        {keys.data !== undefined && (
          <div className="part-d-table">
            <DataTable
              caption={`DKIM keys of ${name}`}
              rows={keys.data.keys}
              rowKey={(k) => k.selector}
              empty="No DKIM keys: mail from this domain is sent unsigned. Make one below."
              columns={[
                { header: 'Selector', cell: (k) => <code>{k.selector}</code> },
                { header: 'Algorithm', cell: (k) => k.algorithm },
                { header: 'State', cell: (k) => <Badge value={k.state} /> },
                { header: 'Since', cell: (k) => formatTime(k.since) },
                { header: 'DNS', cell: (k) => <Badge value={k.dns.status} /> },
                { header: 'Signs', cell: (k) => (k.signs ? 'yes' : 'no') },
                { header: 'Note', cell: (k) => <span>{k.note}{k.dns.detail && k.dns.status !== 'published' ? ` (${k.dns.detail})` : ''}</span> },
              ]}
            />
          </div>
        )}
        <div className="grid domain-key-actions">
          <NewKeyForm domain={name} onMade={(m) => (setMade([m]), reload())} />
          <RotateBox domain={name} canRotate={keys.data?.keys.some((k) => k.state === 'active') ?? false} onMade={(m) => (setMade(m), reload())} />
        </div>
      </Panel>
    </Page>
  );
}

function RecordsTable({ records }: { readonly records: readonly DnsRecord[] }) {
  return (
    <DataTable
      caption="DNS records to publish and what DNS serves now"
      rows={records}
      rowKey={(r) => `${r.purpose} ${r.name} ${r.value}`}
      empty="No records to publish."
      columns={[
        { header: 'Record', cell: (r) => `${PURPOSE_WORDS[r.purpose]} (${r.type})` },
        { header: 'Status', cell: (r) => <Badge value={r.status} /> },
        {
          header: 'Name',
          cell: (r) => (
            <span className="copyable">
              <code>{r.name}</code> <CopyButton text={r.name} label={`Copy ${PURPOSE_WORDS[r.purpose]} name`} />
            </span>
          ),
        },
        {
          header: 'Value',
          cell: (r) => (
            <span className="copyable">
              <code className="record-value">{r.value}</code> <CopyButton text={r.value} label={`Copy ${PURPOSE_WORDS[r.purpose]} value`} />
            </span>
          ),
        },
        {
          header: 'DNS has',
          // What DNS serves, when it is not simply the value above (SPF with more terms, another key, two records).
          cell: (r) => (
            <div>
              {(r.found ?? [])
                .filter((f) => f !== r.value)
                .map((f) => (
                  <code key={f} className="record-value found">
                    {f}
                  </code>
                ))}
              {r.status === 'published' && (r.found ?? []).includes(r.value) && <span>the value above</span>}
              {r.note && <span className="muted record-note">{r.note}</span>}
            </div>
          ),
        },
      ]}
    />
  );
}

function NewKeyForm({ domain, onMade }: { readonly domain: string; readonly onMade: (m: NewDkimKey) => void }) {
  const { busy, error, onSubmit } = useSubmit(async (data, form) => {
    const selector = String(data.get('selector') ?? '').trim();
    onMade(await api<NewDkimKey>(`${domainPath(domain)}/dkim-keys`, { json: { algorithm: data.get('algorithm'), ...(selector !== '' ? { selector } : {}) } }));
    form.reset();
  });
  return (
    <form className="stack" onSubmit={onSubmit} aria-label="New DKIM key">
      <h3>New key</h3>
      <label>
        Algorithm
        <select name="algorithm" defaultValue="rsa-2048">
          {ALGORITHMS.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
      <label>
        Selector (empty: dated, like b2026-11-rsa)
        <input name="selector" autoComplete="off" pattern="[A-Za-z0-9]([A-Za-z0-9.\-]*[A-Za-z0-9])?" />
      </label>
      <SubmitRow busy={busy} error={error}>
        Create key
      </SubmitRow>
    </form>
  );
}

function RotateBox({ domain, canRotate, onMade }: { readonly domain: string; readonly canRotate: boolean; readonly onMade: (m: readonly NewDkimKey[]) => void }) {
  return (
    <div className="stack">
      <h3>Rotate</h3>
      <p className="muted">
        A new key for each algorithm that signs now. The current key keeps signing until DNS serves the new record, then stays published while it retires.
        {!canRotate && ' Needs an active key (one whose record DNS served).'}
      </p>
      <div className="actions">
        <ActionButton
          disabled={!canRotate}
          confirm={`Start a key rotation for ${domain}? You will need to publish the new DKIM record.`}
          onAction={async () => onMade((await api<{ keys: NewDkimKey[] }>(`${domainPath(domain)}/dkim-keys/rotate`, { json: {} })).keys)}
        >
          Rotate keys
        </ActionButton>
      </div>
    </div>
  );
}
