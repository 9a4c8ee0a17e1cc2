import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { DataTable } from '../../ui/DataTable';
import { SubmitRow, useSubmit } from '../../ui/Form';
import { formatCount, formatTime } from '../../ui/format';
import { Loaded } from '../../ui/Loaded';
import { Notice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import type { Items, ListView, OptIn } from './types';

function CreateList({ onCreated }: { readonly onCreated: () => void }) {
  const [created, setCreated] = useState<ListView>();
  const { busy, error, onSubmit } = useSubmit(async (data, form) => {
    const text = (k: string) => String(data.get(k) ?? '').trim();
    const made = await api<ListView>('/api/v1/lists', {
      json: {
        name: text('name'),
        optIn: text('optIn') as OptIn,
        ...(text('description') ? { description: text('description') } : {}),
        ...(text('confirmFrom') ? { confirmFrom: text('confirmFrom') } : {}),
      },
    });
    setCreated(made);
    form.reset();
    onCreated();
  });
  return (
    <Panel title="Create a list">
      <form className="stack" onSubmit={onSubmit}>
        <label>
          Name
          <input name="name" required maxLength={200} autoComplete="off" placeholder="Newsletter" />
        </label>
        <fieldset>
          <legend>Opt-in</legend>
          <label className="check">
            <input type="radio" name="optIn" value="double" defaultChecked /> Double: a confirmation mail first; the contact joins when they click its link
          </label>
          <label className="check">
            <input type="radio" name="optIn" value="single" /> Single: joins at once (only for addresses you already have consent for)
          </label>
        </fieldset>
        <label>
          <span>
            Description <span className="muted">(optional)</span>
          </span>
          <input name="description" maxLength={500} />
        </label>
        <label>
          <span>
            Confirmation mail from <span className="muted">(double opt-in; optional)</span>
          </span>
          <input name="confirmFrom" type="email" autoComplete="off" placeholder="news@example.com" />
        </label>
        <SubmitRow busy={busy} error={error}>
          Create list
        </SubmitRow>
      </form>
      {created && (
        <Notice kind="ok">
          List <Link to={`/lists/${created.id}`}>{created.name}</Link> created (id {created.id}).
        </Notice>
      )}
    </Panel>
  );
}

/** /lists: every list with its member counts, and the form to create one. */
export function ListsPage() {
  const lists = useApi<Items<ListView>>('/api/v1/lists', { pollMs: 10_000 });
  return (
    <Page title="Lists">
      <Panel title="Lists">
        <Loaded state={lists}>
          {(data) => (
            <DataTable
              caption="Contact lists"
              rows={data.items}
              rowKey={(l) => String(l.id)}
              empty="No lists yet. Create one below, then import contacts or let people subscribe."
              columns={[
                {
                  header: 'List',
                  cell: (l) => (
                    <div>
                      <Link to={`/lists/${l.id}`}>{l.name}</Link>
                      {l.description && <div className="muted">{l.description}</div>}
                    </div>
                  ),
                },
                { header: 'Opt-in', cell: (l) => l.optIn },
                { header: 'Subscribed', numeric: true, cell: (l) => formatCount(l.counts.subscribed) },
                { header: 'Pending', numeric: true, cell: (l) => formatCount(l.counts.pending) },
                { header: 'Unsubscribed', numeric: true, cell: (l) => formatCount(l.counts.unsubscribed) },
                { header: 'Created', cell: (l) => formatTime(l.createdAt) },
              ]}
            />
          )}
        </Loaded>
      </Panel>
      <CreateList onCreated={lists.reload} />
    </Page>
  );
}
