import { Link, useSearchParams } from 'react-router';
import { Badge } from '../../ui/Badge';
import { DataTable, type Column } from '../../ui/DataTable';
import { ErrorNotice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { formatAgo, formatBytes, formatCount, formatTime } from '../../ui/format';
import { Stat } from '../../ui/Stat';
import { useApi } from '../../ui/useApi';
import { senderText, statesOf, type MessageSummary, type SearchPage } from '../messages/types';
import { BulkActionForm } from './BulkActionForm';
import type { DomainStats, QueueStats, SiteStats, Throttle } from './types';

function ThrottleState({ t }: { readonly t: Throttle | null }) {
  if (!t || t.action === 'recovered') return null;
  const what = t.action === 'paused' ? `paused until ${formatTime(t.pausedUntil)}` : `slowed to ${t.rate ?? '?'}/min`;
  return (
    <div>
      <Badge value="throttled" /> <span className="muted">{t.scope}</span> {what}
    </div>
  );
}

function LastError({ text, at }: { readonly text: string | null; readonly at: string | null }) {
  if (!text) return <span className="muted">none</span>;
  // One element: a stacked table cell (phone) lays out each child as its own grid item.
  return (
    <span>
      <span className="mono">{text}</span> <span className="muted">({formatAgo(at)})</span>
    </span>
  );
}

/**
 * The queue explorer: what is waiting, by destination site and provider
 * (GET /api/v1/queue/stats), a drill-down to a site's domains and a
 * domain's waiting messages, and bulk actions by filter with progress. The
 * selected site and domain are in the URL (links, back button).
 */
export function QueuePage() {
  const [params, setParams] = useSearchParams();
  const stats = useApi<QueueStats>('/api/v1/queue/stats', { pollMs: 5000 });
  const siteKey = params.get('site');
  const domain = params.get('domain');
  const site = stats.data?.sites.find((s) => s.site === siteKey);

  const pick = (next: Record<string, string>) => setParams(new URLSearchParams(next));

  const siteColumns: readonly Column<SiteStats>[] = [
    {
      header: 'Site',
      cell: (s) => (
        <button type="button" className="link" aria-pressed={s.site === siteKey} onClick={() => pick({ site: s.site })}>
          {s.site}
        </button>
      ),
    },
    { header: 'Provider', cell: (s) => s.provider ?? <span className="muted">none</span> },
    { header: 'Pending', numeric: true, cell: (s) => formatCount(s.pending) },
    { header: 'Held', numeric: true, cell: (s) => formatCount(s.held) },
    { header: 'Oldest', cell: (s) => formatAgo(s.oldestReceivedAt) },
    {
      header: 'Last error',
      cell: (s) => (
        <div>
          <LastError text={s.lastError} at={s.lastErrorAt} />
          <ThrottleState t={s.throttle.site} />
          <ThrottleState t={s.throttle.provider} />
        </div>
      ),
    },
  ];
  const domainColumns: readonly Column<DomainStats>[] = [
    {
      header: 'Domain',
      cell: (d) => (
        <button type="button" className="link" aria-pressed={d.domain === domain} onClick={() => pick({ ...(siteKey ? { site: siteKey } : {}), domain: d.domain })}>
          {d.domain}
        </button>
      ),
    },
    { header: 'Pending', numeric: true, cell: (d) => formatCount(d.pending) },
    { header: 'Held', numeric: true, cell: (d) => formatCount(d.held) },
    { header: 'Oldest', cell: (d) => formatAgo(d.oldestReceivedAt) },
    { header: 'Last error', cell: (d) => <LastError text={d.lastError} at={d.lastErrorAt} /> },
  ];

  const s = stats.data;
  return (
    <Page title="Queue">
      {stats.error !== undefined && <ErrorNotice error={stats.error} />}
      {s && (
        <div className="stats">
          <Stat label="Messages queued" value={formatCount(s.messages)} />
          <Stat label="Held" value={formatCount(s.held)} />
          <Stat label="Recipients pending" value={formatCount(s.recipients.pending)} />
          <Stat label="Size" value={formatBytes(s.bytes)} />
          <Stat label="Oldest" value={s.oldestReceivedAt ? formatAgo(s.oldestReceivedAt) : 'none'} />
        </div>
      )}
      <Panel title="Waiting by site">
        {s ? (
          <DataTable caption="Destination sites, most pending first" columns={siteColumns} rows={s.sites} rowKey={(x) => x.site} empty="Nothing is waiting: the queue is empty." />
        ) : (
          stats.error === undefined && <p className="loading">Loading…</p>
        )}
      </Panel>
      {site && (
        <Panel title={`Domains of ${site.site}`}>
          <DataTable caption={`Recipient domains of ${site.site}`} columns={domainColumns} rows={site.domains} rowKey={(d) => d.domain} empty="No domain of this site has mail waiting any more." />
        </Panel>
      )}
      {siteKey && s && !site && <p className="empty">Nothing is waiting for {siteKey} any more.</p>}
      {domain && <DomainMessages domain={domain} />}
      <Panel title="Act on messages by filter">
        <p className="muted">Every queued message matching all the filters given; held messages are released by “release” only.</p>
        <BulkActionForm initial={domain ? { recipientDomain: domain } : {}} onDone={stats.reload} />
      </Panel>
    </Page>
  );
}

const MESSAGE_COLUMNS: readonly Column<MessageSummary>[] = [
  { header: 'Received', cell: (m) => <span className="mono">{formatTime(m.receivedAt)}</span> },
  { header: 'Subject', cell: (m) => <Link to={`/messages/${encodeURIComponent(m.id)}`}>{m.subject === null || m.subject === '' ? '(no subject)' : m.subject}</Link> },
  { header: 'From', cell: (m) => senderText(m.sender) },
  {
    header: 'State',
    cell: (m) => (
      <span className="badges">
        {m.held && <Badge value="held" />}
        {statesOf(m).map((st) => (
          <Badge key={st} value={st} />
        ))}
      </span>
    ),
  },
  { header: 'Last reply', cell: (m) => <span className="mono">{m.recipients.find((r) => r.lastReply)?.lastReply ?? ''}</span> },
];

/** A domain's waiting messages: the search's two waiting states, newest first (the 50 newest of each). */
function DomainMessages({ domain }: { readonly domain: string }) {
  const deferred = useApi<SearchPage>('/api/v1/messages', { query: { domain, state: 'deferred', limit: 50 }, pollMs: 5000 });
  const queued = useApi<SearchPage>('/api/v1/messages', { query: { domain, state: 'queued', limit: 50 }, pollMs: 5000 });
  const byId = new Map<string, MessageSummary>();
  for (const m of [...(deferred.data?.messages ?? []), ...(queued.data?.messages ?? [])]) if (m.inQueue) byId.set(m.id, m);
  const rows = [...byId.values()].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
  const more = Boolean(deferred.data?.nextCursor || queued.data?.nextCursor);
  return (
    <Panel title={`Waiting for ${domain}`} actions={<Link to={`/messages?${new URLSearchParams({ domain })}`}>All messages for {domain}</Link>}>
      {deferred.error !== undefined && <ErrorNotice error={deferred.error} />}
      {queued.error !== undefined && <ErrorNotice error={queued.error} />}
      {deferred.data && queued.data ? (
        <>
          <DataTable caption={`Queued messages for ${domain}`} columns={MESSAGE_COLUMNS} rows={rows} rowKey={(m) => m.id} empty={`No messages for ${domain} are waiting.`} />
          {more && <p className="muted">Showing the newest; search by state for the rest.</p>}
        </>
      ) : (
        <p className="loading">Loading…</p>
      )}
    </Panel>
  );
}
