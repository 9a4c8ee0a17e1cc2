import { useNavigate } from 'react-router';
import { Link } from 'react-router';
import { DataTable } from '../../ui/DataTable';
import { formatTime } from '../../ui/format';
import { Loaded } from '../../ui/Loaded';
import { Page, Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import type { Items } from '../lists/types';
import { SegmentEditor } from './SegmentEditor';
import { EXAMPLE_FILTER, type SegmentView } from './types';

/** /segments: the saved segments, and an editor for a new one with its live preview. */
export function SegmentsPage() {
  const navigate = useNavigate();
  const segments = useApi<Items<SegmentView>>('/api/v1/segments');
  return (
    <Page title="Segments">
      <Panel title="Segments">
        <Loaded state={segments}>
          {(data) => (
            <DataTable
              caption="Saved segments"
              rows={data.items}
              rowKey={(s) => String(s.id)}
              empty="No segments yet. A segment picks the contacts a campaign goes to; write one below and Preview it."
              columns={[
                { header: 'Segment', cell: (s) => <Link to={`/segments/${s.id}`}>{s.name}</Link> },
                { header: 'Filter', cell: (s) => <code className="response">{JSON.stringify(s.filter)}</code> },
                { header: 'Updated', cell: (s) => formatTime(s.updatedAt) },
              ]}
            />
          )}
        </Loaded>
      </Panel>
      <Panel title="New segment">
        <SegmentEditor initialFilter={EXAMPLE_FILTER} onSaved={(s) => navigate(`/segments/${s.id}`)} />
      </Panel>
    </Page>
  );
}
