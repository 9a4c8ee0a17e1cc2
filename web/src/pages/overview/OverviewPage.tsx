import { useSearchParams } from 'react-router';
import { Loaded } from '../../ui/Loaded';
import { Page, Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import { QueueTotals, TopProviders, TopSites } from './QueuePanels';
import { RANGE_LABEL, TrafficChart } from './TrafficChart';
import type { QueueStats, Range, Traffic, WebhooksSummary } from './types';
import { WebhookHealthView } from './WebhooksPanel';

const RANGES: readonly Range[] = ['hour', 'day', 'week'];
/** Per-minute buckets move every minute; hourly ones need not be fetched as often. */
const TRAFFIC_POLL: Readonly<Record<Range, number>> = { hour: 10_000, day: 60_000, week: 60_000 };

/** The range is in the URL (?range=day): a link or a reload shows the same chart. */
function useRange(): [Range, (r: Range) => void] {
  const [params, setParams] = useSearchParams();
  const asked = params.get('range');
  const range = RANGES.find((r) => r === asked) ?? 'hour';
  return [range, (r) => setParams(r === 'hour' ? {} : { range: r }, { replace: true })];
}

function RangeSwitch({ range, onChange }: { readonly range: Range; readonly onChange: (r: Range) => void }) {
  return (
    <fieldset className="range-switch">
      <legend className="sr-only">Chart range</legend>
      {RANGES.map((r) => (
        <label key={r}>
          <input type="radio" name="range" value={r} checked={r === range} onChange={() => onChange(r)} />
          <span>{RANGE_LABEL[r]}</span>
        </label>
      ))}
    </fieldset>
  );
}

/**
 * What an operator looks at first: how much mail went where lately, what
 * waits in the queue and for which sites, and whether the webhooks keep up.
 * Everything comes from the public API (docs/api.md: Stats, Queue) and
 * refreshes by itself.
 */
export function OverviewPage() {
  const [range, setRange] = useRange();
  const traffic = useApi<Traffic>('/api/v1/stats/traffic', { query: { range }, pollMs: TRAFFIC_POLL[range] });
  const queue = useApi<QueueStats>('/api/v1/queue/stats', { pollMs: 5_000 });
  const webhooks = useApi<WebhooksSummary>('/api/v1/stats/webhooks', { pollMs: 10_000 });
  // Shown while the new range loads, unless it is another range's (its buckets would be mislabelled).
  const shown = traffic.data?.range === range ? traffic.data : undefined;
  return (
    <Page title="Overview">
      <Panel title="Traffic" actions={<RangeSwitch range={range} onChange={setRange} />}>
        <Loaded state={{ data: shown, error: traffic.error }} loading={<p className="loading">Loading traffic…</p>}>
          {(t) => <TrafficChart traffic={t} />}
        </Loaded>
      </Panel>
      <Panel title="Queue">
        <Loaded state={queue} loading={<p className="loading">Loading the queue…</p>}>
          {(q) => <QueueTotals stats={q} />}
        </Loaded>
      </Panel>
      {queue.data && <TopSites sites={queue.data.sites} />}
      {queue.data && <TopProviders sites={queue.data.sites} />}
      <Panel title="Webhooks">
        <Loaded state={webhooks} loading={<p className="loading">Loading webhooks…</p>}>
          {(w) => <WebhookHealthView summary={w} />}
        </Loaded>
      </Panel>
    </Page>
  );
}
