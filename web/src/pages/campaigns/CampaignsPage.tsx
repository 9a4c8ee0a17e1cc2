import { Link } from 'react-router';
import { DataTable } from '../../ui/DataTable';
import { formatCount, formatTime } from '../../ui/format';
import { Loaded } from '../../ui/Loaded';
import { Page, Panel } from '../../ui/Page';
import { Progress } from '../../ui/Progress';
import type { Items } from '../lists/types';
import { CreateCampaign } from './CreateCampaign';
import { CampaignBadge, doneOf, isLive, type CampaignView } from './types';
import { useLivePoll } from './useLivePoll';

/** /campaigns: every campaign with its state and progress (refreshed while one sends), and the form for a new one. */
export function CampaignsPage() {
  const state = useLivePoll<Items<CampaignView>>('/api/v1/campaigns', (d) => d.items.some((c) => isLive(c.state)));
  return (
    <Page title="Campaigns">
      <Panel title="Campaigns">
        <Loaded state={state}>
          {(data) => (
            <DataTable
              caption="Campaigns, newest first"
              rows={data.items}
              rowKey={(c) => String(c.id)}
              empty="No campaigns yet. Create one below from a template and a segment."
              columns={[
                { header: 'Campaign', cell: (c) => <Link to={`/campaigns/${c.id}`}>{c.name}</Link> },
                { header: 'State', cell: (c) => <CampaignBadge state={c.state} /> },
                { header: 'Progress', cell: (c) => <Progress label="Done" done={doneOf(c.progress)} total={c.progress.audience || undefined} /> },
                { header: 'Delivered', numeric: true, cell: (c) => formatCount(c.stats.delivered) },
                { header: 'Bounced', numeric: true, cell: (c) => formatCount(c.stats.bounced.hard + c.stats.bounced.soft) },
                { header: 'Created', cell: (c) => formatTime(c.createdAt) },
              ]}
            />
          )}
        </Loaded>
      </Panel>
      <CreateCampaign />
    </Page>
  );
}
