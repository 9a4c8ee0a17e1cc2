import { Link, useParams } from 'react-router';
import { api } from '../../api';
import { ActionButton } from '../../ui/Buttons';
import { DataTable } from '../../ui/DataTable';
import { formatCount, formatTime } from '../../ui/format';
import { ErrorNotice, Notice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { Progress } from '../../ui/Progress';
import { Stat } from '../../ui/Stat';
import { useApi } from '../../ui/useApi';
import type { Items } from '../lists/types';
import { CampaignBadge, doneOf, isLive, type CampaignFailure, type CampaignState, type CampaignView } from './types';
import { useLivePoll } from './useLivePoll';

type Action = 'send' | 'pause' | 'resume' | 'cancel';

/** What an operator may do in each state (the server checks too: a refused one shows its 409). */
const ACTIONS: Readonly<Record<CampaignState, readonly Action[]>> = {
  draft: ['send', 'cancel'],
  scheduled: ['send', 'cancel'],
  sending: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
  sent: [],
  cancelled: [],
};
const LABELS: Readonly<Record<Action, string>> = { send: 'Send', pause: 'Pause', resume: 'Resume', cancel: 'Cancel' };

function Actions({ c, onDone }: { readonly c: CampaignView; readonly onDone: () => void }) {
  return (
    <>
      {ACTIONS[c.state].map((a) => (
        <ActionButton
          key={a}
          kind={a === 'send' ? 'primary' : a === 'cancel' ? 'danger' : 'plain'}
          label={`${LABELS[a]} campaign ${c.name}`}
          confirm={
            a === 'send'
              ? `Send ${c.name} now${c.sendAt ? ' (not waiting for its scheduled time)' : ''}?`
              : a === 'cancel'
                ? `Cancel ${c.name}? Mail already queued still goes; no more is queued.`
                : undefined
          }
          onAction={async () => {
            await api(`/api/v1/campaigns/${c.id}/${a}`, { method: 'POST' });
            onDone();
          }}
        >
          {LABELS[a]}
        </ActionButton>
      ))}
    </>
  );
}

/** A link to the campaign's template or segment by its name (its id until the name is read, or if it is gone). */
function NameLink({ path, id }: { readonly path: 'templates' | 'segments'; readonly id: number }) {
  const item = useApi<{ name: string }>(`/api/v1/${path}/${id}`);
  return (
    <Link to={`/${path}/${id}`}>
      {item.data?.name ?? `${path === 'templates' ? 'Template' : 'Segment'} ${id}`}
    </Link>
  );
}

function Stats({ c }: { readonly c: CampaignView }) {
  const s = c.stats;
  const categories = Object.entries(s.bounced.byCategory).filter(([, n]) => n > 0);
  return (
    <>
      <div className="stats" aria-label="Campaign stats" role="group">
        <Stat label="Sent" value={formatCount(s.sent)} />
        <Stat label="Delivered" value={formatCount(s.delivered)} />
        <Stat label="Deferred" value={formatCount(s.deferred)} />
        <Stat label="Hard bounces" value={formatCount(s.bounced.hard)} />
        <Stat label="Soft bounces" value={formatCount(s.bounced.soft)} />
        <Stat label="Unsubscribed" value={formatCount(s.unsubscribed)} />
        <Stat label="Complaints" value={formatCount(s.complained)} />
        {s.opened != null && <Stat label="Opened" value={formatCount(s.opened)} />}
        {s.clicked != null && <Stat label="Clicked" value={formatCount(s.clicked)} />}
      </div>
      {categories.length > 0 && (
        <p className="muted">Bounces by category: {categories.map(([cat, n]) => `${cat} ${formatCount(n)}`).join(', ')}</p>
      )}
    </>
  );
}

/** /campaigns/:id: a campaign's progress and stats (refreshed while it sends), send/pause/resume/cancel, its failures. */
export function CampaignPage() {
  const { id = '' } = useParams();
  const path = `/api/v1/campaigns/${encodeURIComponent(id)}`;
  const camp = useLivePoll<CampaignView>(path, (c) => isLive(c.state));
  const failures = useApi<Items<CampaignFailure>>(`${path}/failures`, { pollMs: 10_000 });
  const c = camp.data;
  const p = c?.progress;
  return (
    <Page title={c ? `Campaign: ${c.name}` : 'Campaign'} actions={c && <Actions c={c} onDone={camp.reload} />}>
      <p>
        <Link to="/campaigns">All campaigns</Link>
      </p>
      {camp.error !== undefined && <ErrorNotice error={camp.error} />}
      {c && p && (
        <>
          <Panel title="Progress">
            <p>
              <CampaignBadge state={c.state} />{' '}
              {c.state === 'scheduled' && c.sendAt ? <span className="muted">starts {formatTime(c.sendAt)}</span> : null}
            </p>
            {c.note && <Notice kind="warn">{c.note}</Notice>}
            <Progress label="Contacts done" done={doneOf(p)} total={p.audience || undefined} />
            <p className="muted">
              Audience {formatCount(p.audience)}: {formatCount(p.queued)} queued, {formatCount(p.skipped)} skipped (suppressed or unsubscribed), {formatCount(p.failed)} failed,{' '}
              {formatCount(p.remaining)} remaining.
            </p>
          </Panel>
          <Panel title="Stats">
            <Stats c={c} />
          </Panel>
          <Panel title="Settings">
            <dl className="facts">
              <dt>Template</dt>
              <dd>
                <NameLink path="templates" id={c.template} />
              </dd>
              <dt>Segment</dt>
              <dd>
                <NameLink path="segments" id={c.segment} />
              </dd>
              <dt>From</dt>
              <dd className="mono">{c.from}</dd>
              <dt>Stream</dt>
              <dd>{c.stream}</dd>
              <dt>Rate</dt>
              <dd>{c.rate ?? <span className="muted">as fast as shaping allows</span>}</dd>
              {c.pool && (
                <>
                  <dt>Pool</dt>
                  <dd>{c.pool}</dd>
                </>
              )}
              <dt>Sends as</dt>
              <dd className="mono">{c.apiKey}</dd>
              <dt>Created</dt>
              <dd>{formatTime(c.createdAt)}</dd>
              {c.sendAt != null && (
                <>
                  <dt>Scheduled for</dt>
                  <dd>{formatTime(c.sendAt)}</dd>
                </>
              )}
              {c.startedAt != null && (
                <>
                  <dt>Started</dt>
                  <dd>{formatTime(c.startedAt)}</dd>
                </>
              )}
              {c.finishedAt != null && (
                <>
                  <dt>Finished</dt>
                  <dd>{formatTime(c.finishedAt)}</dd>
                </>
              )}
            </dl>
          </Panel>
          <Panel title="Failures">
            {failures.error !== undefined && <ErrorNotice error={failures.error} />}
            {failures.data && (
              <DataTable
                caption="Contacts the campaign could not send to"
                rows={failures.data.items}
                rowKey={(f) => `${f.contact}`}
                empty="None."
                columns={[
                  { header: 'Address', cell: (f) => <span className="mono">{f.address}</span> },
                  { header: 'Reason', cell: (f) => f.reason },
                  { header: 'At', cell: (f) => formatTime(f.at) },
                ]}
              />
            )}
          </Panel>
        </>
      )}
    </Page>
  );
}
