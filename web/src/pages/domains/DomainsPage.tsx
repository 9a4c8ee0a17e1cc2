import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../../api';
import { Badge } from '../../ui/Badge';
import { DataTable } from '../../ui/DataTable';
import { SubmitRow } from '../../ui/Form';
import { Loaded } from '../../ui/Loaded';
import { Page, Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import { ALGORITHMS, domainPath, PURPOSE_WORDS, ROLE_WORDS, type Domain, type NewDkimKey } from './types';

/** Every domain Baton signs or receives for, with how many of its DNS records DNS serves now. */
export function DomainsPage() {
  const domains = useApi<{ domains: Domain[] }>('/api/v1/domains');
  return (
    <Page title="Domains" actions={<button type="button" onClick={domains.reload} disabled={domains.loading}>Check DNS again</button>}>
      <Panel title="Domains and their DNS">
        <Loaded state={domains} loading={<p className="loading" role="status">Looking up DNS…</p>}>
          {(data) => (
            <div className="part-d-table">
              <DataTable
                caption="Domains with the state of their DNS records"
                rows={data.domains}
                rowKey={(d) => d.domain}
                empty="No domains yet: add a sending domain below (or list receiving domains in localDomains)."
                columns={[
                  { header: 'Domain', cell: (d) => <Link to={`/domains/${encodeURIComponent(d.domain)}`}>{d.domain}</Link> },
                  { header: 'Role', cell: (d) => d.roles.map((r) => ROLE_WORDS[r] ?? r).join(', ') },
                  {
                    header: 'DNS records',
                    cell: (d) => (
                      <span className="actions">
                        {d.records.map((r) => (
                          <span key={`${r.purpose}-${r.name}`} className="record-state">
                            {PURPOSE_WORDS[r.purpose]} <Badge value={r.status} />
                          </span>
                        ))}
                      </span>
                    ),
                  },
                  {
                    header: 'Published',
                    numeric: true,
                    cell: (d) => `${d.records.filter((r) => r.status === 'published').length} of ${d.records.length}`,
                  },
                ]}
              />
            </div>
          )}
        </Loaded>
      </Panel>
      <AddDomain />
    </Page>
  );
}

/** A sending domain starts with its first DKIM key (POST .../dkim-keys), then its page shows the records to publish. */
function AddDomain() {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function add(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const domain = String(form.get('domain') ?? '').trim().toLowerCase().replace(/\.$/, '');
    setBusy(true);
    setError(undefined);
    try {
      const made = await api<NewDkimKey>(`${domainPath(domain)}/dkim-keys`, { json: { algorithm: form.get('algorithm') } });
      navigate(`/domains/${encodeURIComponent(made.domain)}`, { state: { made } });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <Panel title="Add a sending domain">
      <form className="stack" onSubmit={add}>
        <p className="muted">Baton makes a DKIM key for it; its page then lists the DNS records to publish. Baton signs once DNS serves the key's record.</p>
        <label>
          Domain
          <input name="domain" required autoComplete="off" placeholder="example.com" />
        </label>
        <label>
          Key algorithm
          <select name="algorithm" defaultValue="rsa-2048">
            {ALGORITHMS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <SubmitRow busy={busy} error={error}>
          Add domain
        </SubmitRow>
      </form>
    </Panel>
  );
}
