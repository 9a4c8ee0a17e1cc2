import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api';
import { ActionButton } from '../../ui/Buttons';
import { formatCount, formatTime } from '../../ui/format';
import { ErrorNotice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { Stat } from '../../ui/Stat';
import { useApi } from '../../ui/useApi';
import { ContactsPanel } from './ContactsPanel';
import { ImportPanel } from './ImportPanel';
import type { ListView } from './types';

/** /lists/:id: one list, its counts, its contacts page by page, import and export. */
export function ListPage() {
  const { id = '' } = useParams();
  const listId = Number(id);
  const navigate = useNavigate();
  const list = useApi<ListView>(`/api/v1/lists/${encodeURIComponent(id)}`);
  const [version, setVersion] = useState(0);
  const l = list.data;
  return (
    <Page
      title={l ? `List: ${l.name}` : 'List'}
      actions={
        l && (
          <ActionButton
            kind="danger"
            label={`Delete list ${l.name}`}
            confirm={`Delete the list ${l.name}? Its contacts stay (in their other lists), only the membership goes.`}
            onAction={async () => {
              await api(`/api/v1/lists/${l.id}`, { method: 'DELETE' });
              navigate('/lists');
            }}
          >
            Delete list
          </ActionButton>
        )
      }
    >
      <p>
        <Link to="/lists">All lists</Link>
      </p>
      {list.error !== undefined && <ErrorNotice error={list.error} />}
      {l && (
        <>
          <div className="stats">
            <Stat label="Subscribed" value={formatCount(l.counts.subscribed)} />
            <Stat label="Pending confirmation" value={formatCount(l.counts.pending)} />
            <Stat label="Unsubscribed" value={formatCount(l.counts.unsubscribed)} />
          </div>
          <Panel title="About this list">
            <dl className="facts">
              <dt>Id</dt>
              <dd className="mono">{l.id}</dd>
              <dt>Opt-in</dt>
              <dd>{l.optIn === 'double' ? 'Double (joins on confirmation)' : 'Single'}</dd>
              {l.description && (
                <>
                  <dt>Description</dt>
                  <dd>{l.description}</dd>
                </>
              )}
              {l.confirmFrom && (
                <>
                  <dt>Confirmation from</dt>
                  <dd className="mono">{l.confirmFrom}</dd>
                </>
              )}
              <dt>Created</dt>
              <dd>{formatTime(l.createdAt)}</dd>
            </dl>
          </Panel>
          <ContactsPanel listId={listId} version={version} />
          <ImportPanel
            listId={listId}
            onImported={() => {
              setVersion((v) => v + 1);
              list.reload();
            }}
          />
        </>
      )}
    </Page>
  );
}
