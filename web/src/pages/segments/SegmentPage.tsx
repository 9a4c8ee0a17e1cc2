import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api';
import { ActionButton } from '../../ui/Buttons';
import { formatTime } from '../../ui/format';
import { ErrorNotice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import { SegmentEditor } from './SegmentEditor';
import type { SegmentView } from './types';

/** /segments/:id: edit a segment's filter with its preview; delete it. */
export function SegmentPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const seg = useApi<SegmentView>(`/api/v1/segments/${encodeURIComponent(id)}`);
  const s = seg.data;
  return (
    <Page
      title={s ? `Segment: ${s.name}` : 'Segment'}
      actions={
        s && (
          <ActionButton
            kind="danger"
            label={`Delete segment ${s.name}`}
            confirm={`Delete the segment ${s.name}? Campaigns already sent keep their numbers.`}
            onAction={async () => {
              await api(`/api/v1/segments/${s.id}`, { method: 'DELETE' });
              navigate('/segments');
            }}
          >
            Delete
          </ActionButton>
        )
      }
    >
      <p>
        <Link to="/segments">All segments</Link>
      </p>
      {seg.error !== undefined && <ErrorNotice error={seg.error} />}
      {s && (
        <Panel title="Edit">
          <p className="muted">
            Id {s.id}; created {formatTime(s.createdAt)}, updated {formatTime(s.updatedAt)}.
          </p>
          <SegmentEditor segment={s} initialFilter={s.filter} onSaved={seg.reload} />
        </Panel>
      )}
    </Page>
  );
}
