import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { ActionButton } from '../../ui/Buttons';
import { DataTable } from '../../ui/DataTable';
import { SubmitRow, useSubmit } from '../../ui/Form';
import { formatTime } from '../../ui/format';
import { Loaded } from '../../ui/Loaded';
import { Notice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { Secret } from '../../ui/Secret';
import { useApi } from '../../ui/useApi';
import { ContainedBadge, LimitFields, limitsFromForm, limitsText, UsageCell, type Limits, type Usage } from './limits';

/** GET /api/v1/users: `baton user show --json` per user. */
interface User extends Usage {
  readonly name: string;
  readonly domains: readonly string[];
  readonly stream: 'transactional' | 'bulk';
  readonly ownLimits: Limits;
  readonly baseline: number;
  readonly createdAt: string;
}

/** "a.test, b.test" or "a.test b.test" → ["a.test", "b.test"]. */
const domainList = (text: string) => text.split(/[\s,]+/).filter(Boolean);

function AddUser({ onAdded }: { readonly onAdded: () => void }) {
  const [mode, setMode] = useState<'generate' | 'choose'>('generate');
  const [done, setDone] = useState<{ name: string; password?: string }>();
  const { busy, error, onSubmit } = useSubmit(async (data, form) => {
    setDone(undefined);
    const password = String(data.get('password') ?? '');
    if (mode === 'choose' && password !== String(data.get('password2') ?? '')) throw new Error('The two passwords differ; type the same one twice.');
    const name = String(data.get('name') ?? '').trim();
    const limits = limitsFromForm(data, 'new-', false);
    const made = await api<User & { password?: string }>('/api/v1/users', {
      json: { name, domains: domainList(String(data.get('domains') ?? '')), ...(mode === 'choose' ? { password } : {}), ...(Object.keys(limits).length ? { limits } : {}) },
    });
    setDone({ name: made.name, ...(made.password ? { password: made.password } : {}) });
    form.reset();
    onAdded();
  });

  return (
    <Panel title="Add an SMTP user">
      <form className="stack" onSubmit={onSubmit}>
        <label>
          Login name
          <input name="name" required maxLength={320} autoComplete="off" placeholder="alice@example.com" />
        </label>
        <label>
          Sender domains
          <input name="domains" required autoComplete="off" placeholder="example.com, example.org" aria-describedby="domains-help" />
          <span id="domains-help" className="muted hint">
            The domains this user may send from, separated by commas.
          </span>
        </label>
        <fieldset>
          <legend>How to set the password</legend>
          <label className="check">
            <input type="radio" name="mode" checked={mode === 'generate'} onChange={() => setMode('generate')} /> Generate one (shown once)
          </label>
          <label className="check">
            <input type="radio" name="mode" checked={mode === 'choose'} onChange={() => setMode('choose')} /> Choose one
          </label>
          {mode === 'choose' && (
            <div className="limit-fields">
              <label>
                Password
                <input name="password" type="password" required minLength={8} autoComplete="new-password" />
              </label>
              <label>
                Repeat password
                <input name="password2" type="password" required minLength={8} autoComplete="new-password" />
              </label>
            </div>
          )}
        </fieldset>
        <fieldset>
          <legend>Limits <span className="muted">(empty: the server default)</span></legend>
          <LimitFields prefix="new-" />
        </fieldset>
        <SubmitRow busy={busy} error={error}>
          Add user
        </SubmitRow>
      </form>
      {done && (
        <Notice kind="ok">
          <p>User {done.name} added: it can log in on the submission ports now.</p>
          {done.password && (
            <Secret value={done.password} label="Generated password" copyLabel="Copy password">
              Its password, shown <strong>only this once</strong>:{' '}
            </Secret>
          )}
        </Notice>
      )}
    </Panel>
  );
}

function EditLimits({ user, onSaved, onClose }: { readonly user: User; readonly onSaved: () => void; readonly onClose: () => void }) {
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setError(undefined);
    setSaved(false);
    try {
      await api(`/api/v1/users/${encodeURIComponent(user.name)}`, {
        method: 'PATCH',
        json: { stream: data.get('stream') === 'bulk' ? 'bulk' : null, limits: limitsFromForm(data, 'edit-', true) },
      });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Panel title={`Limits of ${user.name}`} actions={<button type="button" className="small" onClick={onClose}>Close</button>}>
      <form className="stack" onSubmit={submit} key={user.name}>
        <label>
          Stream
          <select name="stream" defaultValue={user.stream}>
            <option value="transactional">transactional</option>
            <option value="bulk">bulk</option>
          </select>
        </label>
        <LimitFields prefix="edit-" current={user.ownLimits} placeholder={user.limits} />
        <p className="muted">Empty: no limit of its own (the server default applies where there is one).</p>
        <SubmitRow error={error}>
          Save limits
        </SubmitRow>
        {saved && <Notice kind="ok">Saved: in force for the user's next message.</Notice>}
      </form>
    </Panel>
  );
}

/** /users: SMTP AUTH users, their limits and current usage; add, change limits, remove. */
export function UsersPage() {
  const list = useApi<{ users: User[] }>('/api/v1/users', { pollMs: 5000 });
  const [editing, setEditing] = useState<string>();
  const editUser = list.data?.users.find((u) => u.name === editing);
  return (
    <Page title="Users">
      <Panel title="SMTP users">
        <Loaded state={list} loading={<p className="muted">Loading…</p>}>
          {(data) => (
            <DataTable
              caption="SMTP AUTH users"
              rows={data.users}
              rowKey={(u) => u.name}
              empty="No SMTP users. Add one below so an application can log in on the submission port (587) and send."
              columns={[
                {
                  header: 'User',
                  cell: (u) => (
                    <div>
                      <strong className="mono">{u.name}</strong>
                      <div className="muted">since {formatTime(u.createdAt)}</div>
                    </div>
                  ),
                },
                { header: 'Domains', cell: (u) => u.domains.join(', ') },
                {
                  header: 'Limits',
                  cell: (u) => (
                    <div>
                      {limitsText(u.limits)}
                      <div className="muted">{u.stream} stream</div>
                    </div>
                  ),
                },
                { header: 'Usage', cell: (u) => <UsageCell usage={u} /> },
                { header: 'Sending', cell: (u) => <ContainedBadge contained={u.contained} /> },
                {
                  header: 'Actions',
                  cell: (u) => (
                    <div className="actions nowrap-buttons">
                      <button type="button" onClick={() => setEditing(u.name)} aria-label={`Change limits of ${u.name}`}>
                        Limits
                      </button>
                      <ActionButton
                        kind="danger"
                        label={`Remove user ${u.name}`}
                        confirm={`Remove the SMTP user ${u.name}? Its next login is refused; mail it already sent stays queued.`}
                        onAction={async () => {
                          await api(`/api/v1/users/${encodeURIComponent(u.name)}`, { method: 'DELETE' });
                          if (editing === u.name) setEditing(undefined);
                          list.reload();
                        }}
                      >
                        Remove
                      </ActionButton>
                    </div>
                  ),
                },
              ]}
            />
          )}
        </Loaded>
      </Panel>
      {editUser && <EditLimits key={editUser.name} user={editUser} onSaved={list.reload} onClose={() => setEditing(undefined)} />}
      <AddUser onAdded={list.reload} />
    </Page>
  );
}
