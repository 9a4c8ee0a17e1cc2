import { Link, useNavigate } from 'react-router';
import { api } from '../../api';
import { SubmitRow, useSubmit } from '../../ui/Form';
import { Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import type { Items } from '../lists/types';
import type { SegmentView } from '../segments/types';
import type { TemplateView } from '../templates/types';
import type { CampaignView } from './types';

/** GET /api/v1/keys, as far as picking the campaign's sender goes. */
interface SenderKey {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly domains: readonly string[];
  readonly revokedAt: string | null;
}

/**
 * A new campaign (POST /api/v1/campaigns): a draft, sent from its page. The
 * template and segment are picked from what the API holds. sendAt is typed
 * in the browser's zone and sent as ms epoch. The campaign's mail goes out
 * as an API key with the send scope the operator picks (its domains and
 * quotas apply); a login is not a key, so one must be picked.
 */
export function CreateCampaign() {
  const navigate = useNavigate();
  const templates = useApi<Items<TemplateView>>('/api/v1/templates');
  const segments = useApi<Items<SegmentView>>('/api/v1/segments');
  const keys = useApi<{ keys: SenderKey[] }>('/api/v1/keys');
  const senders = keys.data?.keys.filter((k) => k.revokedAt === null && k.scopes.includes('send'));
  const { busy, error, onSubmit } = useSubmit(async (data) => {
    const text = (k: string) => String(data.get(k) ?? '').trim();
    let sendAt: number | undefined;
    if (text('sendAt')) {
      sendAt = new Date(text('sendAt')).getTime();
      if (Number.isNaN(sendAt)) throw new Error('Send at: not a date and time.');
    }
    const made = await api<CampaignView>('/api/v1/campaigns', {
      json: {
        name: text('name'),
        template: Number(text('template')),
        segment: Number(text('segment')),
        from: text('from'),
        apiKey: text('apiKey'),
        stream: text('stream'),
        ...(text('pool') ? { pool: text('pool') } : {}),
        ...(text('rate') ? { rate: text('rate') } : {}),
        ...(sendAt !== undefined ? { sendAt } : {}),
      },
    });
    navigate(`/campaigns/${made.id}`);
  });
  const none = (templates.data?.items.length ?? 1) === 0 || (segments.data?.items.length ?? 1) === 0;
  return (
    <Panel title="New campaign">
      {none && <p className="muted">A campaign needs a template and a segment: make them first on their pages.</p>}

      <form className="stack" onSubmit={onSubmit}>
        <label>
          Name
          <input name="name" required maxLength={200} autoComplete="off" placeholder="December newsletter" />
        </label>
        <label>
          Template
          <select name="template" required>
            {templates.data?.items.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Segment
          <select name="segment" required>
            {segments.data?.items.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input name="from" required maxLength={320} autoComplete="off" placeholder="News <news@example.com>" />
        </label>
        <label>
          <span>
            Send as <span className="muted">(whose domains, quotas and stream apply; <Link to="/keys">API keys</Link>)</span>
          </span>
          <select name="apiKey" required>
            {senders?.map((k) => (
              <option key={k.id} value={k.name}>
                API key {k.name}
                {k.domains.length > 0 ? ` (${k.domains.join(', ')})` : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Stream
          <select name="stream" defaultValue="bulk">
            <option value="bulk">bulk (List-Unsubscribe one-click, VERP, footer)</option>
            <option value="transactional">transactional</option>
          </select>
        </label>
        <label>
          <span>
            Rate <span className="muted">(optional, like 1000/min)</span>
          </span>
          <input name="rate" pattern="\d+/(s|sec|min|h|hour)" autoComplete="off" placeholder="1000/min" />
        </label>
        <label>
          <span>
            Egress pool <span className="muted">(optional)</span>
          </span>
          <input name="pool" autoComplete="off" />
        </label>
        <label>
          <span>
            Send at <span className="muted">(optional, your local time; empty: when you press Send)</span>
          </span>
          <input name="sendAt" type="datetime-local" />
        </label>
        <SubmitRow busy={busy} error={error}>
          Create campaign
        </SubmitRow>
      </form>
    </Panel>
  );
}
