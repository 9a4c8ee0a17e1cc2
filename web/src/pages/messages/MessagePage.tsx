import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, apiText, apiUrl } from '../../api';
import { Badge } from '../../ui/Badge';
import { ActionButton } from '../../ui/Buttons';
import { DataTable, type Column } from '../../ui/DataTable';
import { ErrorNotice, Notice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { formatAgo, formatBytes, formatTime } from '../../ui/format';
import { useApi } from '../../ui/useApi';
import { senderText, type AuthResult, type MessageDetail, type MessageHeaders, type Recipient, type TimelineEntry } from './types';

const RECIPIENT_COLUMNS: readonly Column<Recipient>[] = [
  { header: 'Recipient', cell: (r) => r.address },
  { header: 'State', cell: (r) => <Badge value={r.state} /> },
  { header: 'Attempts', numeric: true, cell: (r) => r.attempts },
  { header: 'Last reply', cell: (r) => (r.lastReply ? <span className="mono">{r.lastReply}</span> : <span className="muted">none yet</span>) },
  { header: 'Remote server', cell: (r) => r.remoteMta ?? '' },
  { header: 'Next attempt', cell: (r) => (r.nextAttemptAt ? `${formatTime(r.nextAttemptAt)} (${formatAgo(r.nextAttemptAt)})` : '') },
];

const AUTH_COLUMNS: readonly Column<AuthResult>[] = [
  { header: 'Check', cell: (a) => <span className="no-break">{a.method.toUpperCase()}</span> },
  { header: 'Result', cell: (a) => <Badge value={a.result} /> },
  {
    header: 'Details',
    cell: (a) => (
      <div>
        {Object.entries(a.properties).map(([k, v]) => (
          <div key={k}>
            <span className="muted">{k}</span> <span className="mono">{v}</span>
          </div>
        ))}
        {a.comment && <div className="muted">{a.comment}</div>}
        {a.reason && <div className="muted">reason: {a.reason}</div>}
      </div>
    ),
  },
];

/** The timeline's events (docs/api.md), as an operator reads them. */
const EVENT_WORDS: Readonly<Record<string, string>> = {
  accepted: 'Accepted',
  deferred: 'Deferred',
  delivered: 'Delivered',
  bounced: 'Bounced',
  expired: 'Expired',
  suppressed: 'Suppressed',
  held: 'Held',
  released: 'Released',
  deleted: 'Deleted',
  retried: 'Retried',
};

/** What an event adds beside its reply: attempts' remote server, next attempt, reasons. */
function eventDetails(e: TimelineEntry): string[] {
  const out: string[] = [];
  const text = (k: string) => (typeof e[k] === 'string' || typeof e[k] === 'number' ? String(e[k]) : undefined);
  const mta = text('remoteMta');
  if (mta) out.push(`server ${mta}`);
  const next = text('nextAttemptAt');
  if (next) out.push(`next attempt ${formatTime(next)}`);
  const reason = text('reason');
  if (reason) out.push(`reason: ${reason}`);
  const error = text('error');
  if (error) out.push(error);
  return out;
}

/**
 * One message: envelope, recipients, the full timeline with every remote
 * reply, headers and auth results while queued, and the queue actions. All
 * text comes from the message's sender: it is rendered as text, never as HTML.
 */
export function MessagePage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const path = `/api/v1/messages/${encodeURIComponent(id)}`;
  const detail = useApi<MessageDetail>(path, { pollMs: 3000 });
  const m = detail.data;
  const headers = useApi<MessageHeaders>(m?.inQueue ? `${path}/headers` : undefined);
  const [raw, setRaw] = useState<string>();
  const [rawError, setRawError] = useState<unknown>();

  const act = (action: 'hold' | 'release' | 'retry') => async () => {
    await api(`${path}/${action}`, { method: 'POST' });
    detail.reload();
  };
  async function remove() {
    await api(path, { method: 'DELETE' });
    detail.reload();
  }
  async function showRaw() {
    setRawError(undefined);
    try {
      setRaw(await apiText(`${path}/raw`));
    } catch (err) {
      setRawError(err);
    }
  }

  if (!m) {
    return (
      <Page title="Message">
        {detail.error !== undefined ? <ErrorNotice error={detail.error} /> : <p className="loading">Loading…</p>}
        <p>
          <Link to="/messages">Back to the search</Link>
        </p>
      </Page>
    );
  }
  const waiting = m.recipients.some((r) => r.state === 'queued' || r.state === 'deferred');
  return (
    <Page
      title={m.subject === null || m.subject === '' ? '(no subject)' : m.subject}
      actions={
        m.inQueue && (
          <>
            {m.held ? (
              <ActionButton onAction={act('release')} kind="primary">
                Release
              </ActionButton>
            ) : (
              <ActionButton onAction={act('hold')}>Hold</ActionButton>
            )}
            <ActionButton onAction={act('retry')} disabled={m.held || !waiting}>
              Retry now
            </ActionButton>
            <ActionButton onAction={remove} kind="danger" confirm={`Delete message ${m.id} from the queue? No bounce is sent to the sender.`}>
              Delete
            </ActionButton>
          </>
        )
      }
    >
      <p className="badges">
        {m.inQueue ? <Badge value="in queue" /> : <Badge value="left the queue" />}
        {m.held && <Badge value="held" />}
        {m.deletedAt && <Badge value="deleted" />}
        <button type="button" className="small" onClick={() => void navigate(-1)}>
          Back
        </button>
      </p>
      {m.held && <Notice kind="warn">Held: Baton will not attempt this message until it is released.</Notice>}
      <div className="grid">
        <Panel title="Envelope">
          <dl className="facts">
            <dt>Queue id</dt>
            <dd className="mono">{m.id}</dd>
            <dt>From</dt>
            <dd>{senderText(m.sender)}</dd>
            <dt>To</dt>
            <dd>{m.recipients.map((r) => r.address).join(', ')}</dd>
            <dt>Received</dt>
            <dd>
              {formatTime(m.receivedAt)} ({formatAgo(m.receivedAt)})
            </dd>
            <dt>Size</dt>
            <dd>{formatBytes(m.size)}</dd>
            <dt>Came by</dt>
            <dd>
              {[m.origin.kind, m.origin.listener && `listener ${m.origin.listener}`, m.origin.clientIp && `from ${m.origin.clientIp}`, m.origin.helo && `HELO ${m.origin.helo}`, m.origin.user && `user ${m.origin.user}`, m.origin.apiKey && `key ${m.origin.apiKey}`]
                .filter(Boolean)
                .join(', ')}
            </dd>
            {m.expiresAt && (
              <>
                <dt>Expires</dt>
                <dd>{formatTime(m.expiresAt)}</dd>
              </>
            )}
            {m.tags.length > 0 && (
              <>
                <dt>Tags</dt>
                <dd>{m.tags.join(', ')}</dd>
              </>
            )}
            {Object.entries(m.metadata).map(([k, v]) => (
              <FactRow key={k} name={k} value={v} />
            ))}
          </dl>
        </Panel>
        <Panel title="Authentication">
          <AuthPanel inQueue={m.inQueue} headers={headers.data} error={headers.error} />
        </Panel>
      </div>
      <Panel title="Recipients">
        <DataTable caption="Recipients and their state" columns={RECIPIENT_COLUMNS} rows={m.recipients} rowKey={(r) => r.address} empty="No recipients recorded." />
      </Panel>
      <Panel title="Timeline">
        {m.timeline.length === 0 ? (
          <p className="empty">No events recorded (they are kept for events.retention).</p>
        ) : (
          <ol className="timeline">
            {m.timeline.map((e) => (
              <li key={e.id}>
                <span className="mono muted">{formatTime(e.at)}</span> <Badge value={EVENT_WORDS[e.type] ?? e.type} />
                {e.recipient && <> {e.recipient}</>}
                {e.reply && <div className="mono">{e.reply}</div>}
                {eventDetails(e).map((d) => (
                  <div key={d} className="muted">
                    {d}
                  </div>
                ))}
              </li>
            ))}
          </ol>
        )}
      </Panel>
      <Panel title="Headers">
        {!m.inQueue ? (
          <p className="empty">Headers are kept only while the message is in the queue.</p>
        ) : headers.error !== undefined ? (
          <ErrorNotice error={headers.error} />
        ) : headers.data ? (
          <dl className="facts headers">
            {headers.data.headers.map((h, i) => (
              <FactRow key={`${i}-${h.name}`} name={h.name} value={h.decoded ?? h.value} mono />
            ))}
          </dl>
        ) : (
          <p className="loading">Loading…</p>
        )}
      </Panel>
      <Panel
        title="Raw message"
        actions={
          m.inQueue && (
            <>
              <button type="button" onClick={() => void showRaw()}>
                View raw
              </button>
              <a href={apiUrl(`${path}/raw`)} download={`${m.id}.eml`}>
                Download .eml
              </a>
            </>
          )
        }
      >
        {!m.inQueue && <p className="empty">The message's bytes are kept only until every recipient is final.</p>}
        {rawError !== undefined && <ErrorNotice error={rawError} />}
        {raw !== undefined && <pre aria-label="Message source">{raw}</pre>}
      </Panel>
    </Page>
  );
}

function FactRow({ name, value, mono }: { readonly name: string; readonly value: string; readonly mono?: boolean }) {
  return (
    <>
      <dt>{name}</dt>
      <dd className={mono ? 'mono' : undefined}>{value}</dd>
    </>
  );
}

function AuthPanel({ inQueue, headers, error }: { readonly inQueue: boolean; readonly headers: MessageHeaders | undefined; readonly error: unknown }) {
  if (!inQueue) return <p className="empty">Results are read from the queued message: this one has left the queue.</p>;
  if (error !== undefined) return <ErrorNotice error={error} />;
  if (!headers) return <p className="loading">Loading…</p>;
  if (!headers.authResults) return <p className="empty">Baton did not check SPF, DKIM or DMARC for this message (submitted mail, sent through the API, or the check is off).</p>;
  return <DataTable caption="SPF, DKIM and DMARC results at intake" columns={AUTH_COLUMNS} rows={headers.authResults} rowKey={(a) => `${a.method}-${JSON.stringify(a.properties)}`} empty="The check ran and found nothing to report." />;
}
