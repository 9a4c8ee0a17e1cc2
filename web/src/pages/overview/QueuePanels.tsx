import { Link } from 'react-router';
import { Badge } from '../../ui/Badge';
import { DataTable } from '../../ui/DataTable';
import { Panel } from '../../ui/Page';
import { formatAgo, formatBytes, formatCount, formatTime } from '../../ui/format';
import { Stat } from '../../ui/Stat';
import type { QueueStats, SiteStats, Throttle } from './types';

/** Rows shown in the top lists: the busiest; the queue page has them all. */
const TOP = 8;

/** A throttle state in words: "paused until 14:05", "slowed to 2/s"; normal when none is in force. */
export function throttleText(t: Throttle | null): string | undefined {
  if (!t || t.action === 'recovered') return undefined;
  if (t.action === 'paused') return t.pausedUntil && Date.parse(t.pausedUntil) > Date.now() ? `paused until ${formatTime(t.pausedUntil).slice(11)}` : undefined;
  return t.rate === null ? 'slowed' : `slowed to ${t.rate}/s`;
}

function ThrottleCell({ throttle }: { readonly throttle: Throttle | null }) {
  const text = throttleText(throttle);
  if (!text) return <span className="muted">normal</span>;
  return (
    <span title={throttle?.reply ?? undefined}>
      <Badge value="throttled" /> {text}
    </span>
  );
}

function LastError({ text, at }: { readonly text: string | null; readonly at: string | null }) {
  if (!text) return <span className="muted">none</span>;
  return (
    <span>
      <code>{text}</code> <span className="muted">{formatAgo(at)}</span>
    </span>
  );
}

/** The queue's totals: what is waiting, how old the oldest is, what is held. */
export function QueueTotals({ stats }: { readonly stats: QueueStats }) {
  return (
    <div className="stats" aria-label="Queue">
      <Stat label="Messages queued" value={formatCount(stats.messages)} />
      <Stat label="Recipients pending" value={formatCount(stats.recipients.pending)} />
      <Stat label="Held" value={formatCount(stats.held)} />
      <Stat
        label={stats.oldestReceivedAt ? `Oldest message (since ${formatTime(stats.oldestReceivedAt)})` : 'Oldest message: none queued'}
        value={stats.oldestReceivedAt ? formatAgo(stats.oldestReceivedAt).replace(' ago', '') : '–'}
      />
      <Stat label="Queue size" value={formatBytes(stats.bytes)} />
    </div>
  );
}

export function TopSites({ sites }: { readonly sites: readonly SiteStats[] }) {
  return (
    <Panel title="Top sites" actions={<Link to="/queue">Queue explorer</Link>}>
      <DataTable
        caption="Delivery sites with the most pending recipients"
        columns={[
          {
            header: 'Site',
            // The domains are what an operator recognises; the site key (MX set or smarthost) says where they go.
            cell: (s) => (
              <span>
                {s.domains.map((d) => d.domain).join(', ')}
                <br />
                <span className="muted mono site-key">{s.site}</span>
              </span>
            ),
          },
          { header: 'Provider', cell: (s) => s.provider ?? <span className="muted">–</span> },
          { header: 'Pending', cell: (s) => formatCount(s.pending), numeric: true },
          { header: 'Held', cell: (s) => formatCount(s.held), numeric: true },
          { header: 'Oldest', cell: (s) => formatAgo(s.oldestReceivedAt) },
          { header: 'Throttle', cell: (s) => <ThrottleCell throttle={s.throttle.site} /> },
          { header: 'Last error', cell: (s) => <LastError text={s.lastError} at={s.lastErrorAt} /> },
        ]}
        rows={sites.slice(0, TOP)}
        rowKey={(s) => s.site}
        empty="Nothing pending: every site is caught up."
      />
    </Panel>
  );
}

interface ProviderRow {
  readonly provider: string;
  readonly sites: number;
  readonly pending: number;
  readonly held: number;
  readonly throttle: Throttle | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
}

/** Sites grouped by their provider (the shaper's provider rules); sites of no known provider are not listed. */
export function providersOf(sites: readonly SiteStats[]): ProviderRow[] {
  const rows = new Map<string, { -readonly [K in keyof ProviderRow]: ProviderRow[K] }>();
  for (const s of sites) {
    if (!s.provider) continue;
    const row = rows.get(s.provider);
    if (!row) {
      rows.set(s.provider, { provider: s.provider, sites: 1, pending: s.pending, held: s.held, throttle: s.throttle.provider, lastError: s.lastError, lastErrorAt: s.lastErrorAt });
      continue;
    }
    row.sites += 1;
    row.pending += s.pending;
    row.held += s.held;
    if (s.lastErrorAt && (!row.lastErrorAt || s.lastErrorAt > row.lastErrorAt)) {
      row.lastError = s.lastError;
      row.lastErrorAt = s.lastErrorAt;
    }
  }
  return [...rows.values()].sort((a, b) => b.pending - a.pending);
}

export function TopProviders({ sites }: { readonly sites: readonly SiteStats[] }) {
  return (
    <Panel title="Top providers">
      <DataTable
        caption="Mailbox providers with the most pending recipients"
        columns={[
          { header: 'Provider', cell: (p) => p.provider },
          { header: 'Sites', cell: (p) => formatCount(p.sites), numeric: true },
          { header: 'Pending', cell: (p) => formatCount(p.pending), numeric: true },
          { header: 'Held', cell: (p) => formatCount(p.held), numeric: true },
          { header: 'Throttle', cell: (p) => <ThrottleCell throttle={p.throttle} /> },
          { header: 'Last error', cell: (p) => <LastError text={p.lastError} at={p.lastErrorAt} /> },
        ]}
        rows={providersOf(sites).slice(0, TOP)}
        rowKey={(p) => p.provider}
        empty="No mail pending for a known provider (the providers of shaping.providers: google, microsoft, yahoo...)."
      />
    </Panel>
  );
}
