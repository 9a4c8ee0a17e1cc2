import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { DataTable } from '../../ui/DataTable';
import { formatCount } from '../../ui/format';
import { SERIES, type Counts, type Range, type SeriesName, type Traffic } from './types';

/**
 * Each series has a colour and a dash pattern of its own, and the legend
 * names it beside its total: a reader who cannot tell the colours apart
 * still tells the lines apart.
 */
export const SERIES_STYLE: Readonly<Record<SeriesName, { readonly label: string; readonly colour: string; readonly dash?: string; readonly width: number }>> = {
  accepted: { label: 'Accepted', colour: 'var(--series-accepted)', width: 2 },
  delivered: { label: 'Delivered', colour: 'var(--series-delivered)', width: 3 },
  deferred: { label: 'Deferred', colour: 'var(--series-deferred)', dash: '7 4', width: 2 },
  bounced: { label: 'Bounced', colour: 'var(--series-bounced)', dash: '2 3', width: 2.5 },
  suppressed: { label: 'Suppressed', colour: 'var(--series-suppressed)', dash: '10 3 2 3', width: 2 },
};

export const RANGE_LABEL: Readonly<Record<Range, string>> = { hour: 'Last hour', day: 'Last day', week: 'Last week' };

const pad = (n: number) => String(n).padStart(2, '0');

/** The bucket's start as the axis shows it, in the browser's zone: "14:05" per minute, "14:00" per hour, "Mon 14:00" over a week. */
export function bucketLabel(at: string, range: Range): string {
  const d = new Date(at);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return range === 'week' ? `${d.toLocaleDateString('en-GB', { weekday: 'short' })} ${hm}` : hm;
}

/** "Last hour: 3 accepted, 3 delivered, 0 deferred, 1 bounced, 0 suppressed (recipients, per minute)." */
export function totalsSentence(range: Range, bucket: Traffic['bucket'], totals: Counts): string {
  const parts = SERIES.map((s) => `${formatCount(totals[s])} ${s}`);
  return `${RANGE_LABEL[range]}: ${parts.join(', ')} (recipients, per ${bucket}).`;
}

export function TrafficChart({ traffic }: { readonly traffic: Traffic }) {
  const { range } = traffic;
  const rows = traffic.series.map((b) => ({ ...b, label: bucketLabel(b.at, range) }));
  const busy = traffic.series.filter((b) => SERIES.some((s) => b[s] > 0));
  const summary = totalsSentence(range, traffic.bucket, traffic.totals);
  return (
    <figure className="traffic">
      {/* The drawing is for the eye; its content is the caption and the table below. */}
      <div className="chart" role="img" aria-label={`Traffic chart. ${summary}`}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 4, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid stroke="var(--line)" strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" stroke="var(--muted)" tick={{ fill: 'var(--muted)', fontSize: 12 }} interval="preserveStartEnd" minTickGap={28} />
            <YAxis allowDecimals={false} stroke="var(--muted)" tick={{ fill: 'var(--muted)', fontSize: 12 }} width={44} />
            <Tooltip contentStyle={{ background: 'var(--card)', border: '1px solid var(--line)', color: 'var(--fg)' }} labelStyle={{ color: 'var(--fg)' }} />
            {SERIES.map((s) => (
              <Line
                key={s}
                type="linear"
                dataKey={s}
                name={SERIES_STYLE[s].label}
                stroke={SERIES_STYLE[s].colour}
                strokeWidth={SERIES_STYLE[s].width}
                {...(SERIES_STYLE[s].dash ? { strokeDasharray: SERIES_STYLE[s].dash } : {})}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption>
        <ul className="legend" aria-label={`Totals, ${RANGE_LABEL[range].toLowerCase()}`}>
          {SERIES.map((s) => (
            <li key={s}>
              <svg width="28" height="10" aria-hidden="true">
                <line x1="0" y1="5" x2="28" y2="5" stroke={SERIES_STYLE[s].colour} strokeWidth={SERIES_STYLE[s].width} strokeDasharray={SERIES_STYLE[s].dash} />
              </svg>
              <span>{SERIES_STYLE[s].label}</span> <strong className="mono">{formatCount(traffic.totals[s])}</strong>
            </li>
          ))}
        </ul>
        <p className="sr-only">{summary}</p>
      </figcaption>
      <details>
        <summary>The numbers per {traffic.bucket}</summary>
        <DataTable
          caption={`Recipients per ${traffic.bucket}, ${RANGE_LABEL[range].toLowerCase()}, newest first; quiet ${traffic.bucket}s left out`}
          columns={[
            { header: range === 'week' ? 'Hour' : traffic.bucket === 'minute' ? 'Minute' : 'Hour', cell: (b) => bucketLabel(b.at, range) },
            ...SERIES.map((s) => ({ header: SERIES_STYLE[s].label, cell: (b: (typeof busy)[number]) => formatCount(b[s]), numeric: true })),
          ]}
          rows={[...busy].reverse()}
          rowKey={(b) => b.at}
          empty={`No mail in the ${RANGE_LABEL[range].toLowerCase()}.`}
        />
      </details>
    </figure>
  );
}
