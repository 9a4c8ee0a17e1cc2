import { Link } from 'react-router';
import { Badge } from '../../ui/Badge';
import { DataTable } from '../../ui/DataTable';
import { formatAgo, formatCount } from '../../ui/format';
import { Stat } from '../../ui/Stat';
import type { WebhookHealth, WebhooksSummary } from './types';

/** Enabled and its last POST failed: "failing" (the word, in the bad tone); else enabled or disabled. */
function State({ w }: { readonly w: WebhookHealth }) {
  if (w.enabled && w.failures > 0) return <span className="badge bad">failing</span>;
  return <Badge value={w.enabled ? 'enabled' : 'disabled'} />;
}

/** "4 s", "3 min", "2 h": how far an endpoint is behind. */
export function lagText(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

export function WebhookHealthView({ summary }: { readonly summary: WebhooksSummary }) {
  return (
    <>
      <div className="stats" aria-label="Webhook endpoints">
        <Stat label="Enabled" value={formatCount(summary.enabled)} />
        <Stat label="Disabled" value={formatCount(summary.disabled)} />
        <Stat label="Failing" value={formatCount(summary.failing)} />
        <Stat label="Largest lag" value={lagText(summary.maxLagSeconds)} />
      </div>
      <DataTable
        caption="Webhook endpoints and their health"
        columns={[
          { header: 'Endpoint', cell: (w) => <Link to={`/webhooks/${w.id}`}>{w.description ? `${w.description} (${w.url})` : w.url}</Link> },
          { header: 'State', cell: (w) => <State w={w} /> },
          { header: 'Lag', cell: (w) => (w.pendingEvents > 0 ? `${lagText(w.lagSeconds)} (${formatCount(w.pendingEvents)} events)` : 'caught up') },
          { header: 'Failures', cell: (w) => (w.failures > 0 ? `${formatCount(w.failures)} since ${formatAgo(w.failingSince)}` : '0'), numeric: true },
          {
            header: 'Last delivery',
            cell: (w) =>
              w.lastDelivery ? (
                <span>
                  {w.lastDelivery.ok ? 'ok' : 'failed'} ({w.lastDelivery.status ?? 'no answer'}) {formatAgo(w.lastDelivery.at)}
                </span>
              ) : (
                <span className="muted">none yet</span>
              ),
          },
          { header: 'Last error', cell: (w) => (w.lastError ? <code>{w.lastError}</code> : w.disabledReason ? <span>{w.disabledReason}</span> : <span className="muted">none</span>) },
        ]}
        rows={summary.webhooks}
        rowKey={(w) => w.id}
        empty={
          <>
            No webhook endpoints. <Link to="/webhooks">Add one</Link> to have Baton POST its events to your systems.
          </>
        }
      />
    </>
  );
}
