import { useRef, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { ErrorNotice, Notice } from '../../ui/Notice';
import { Progress } from '../../ui/Progress';
import { formatCount } from '../../ui/format';
import { BULK_ACTIONS, type BulkAction, type BulkAnswer, type BulkFilter } from './types';

const FIELDS: readonly { readonly name: keyof BulkFilter; readonly label: string; readonly placeholder: string }[] = [
  { name: 'recipientDomain', label: 'Recipient domain', placeholder: 'example.net' },
  { name: 'recipient', label: 'Recipient', placeholder: 'ann@example.net' },
  { name: 'senderDomain', label: 'Sender domain', placeholder: 'brand.example' },
  { name: 'sender', label: 'Sender', placeholder: 'news@brand.example' },
  { name: 'olderThan', label: 'Older than', placeholder: '2h, 1d' },
];

const DONE_WORDS: Readonly<Record<BulkAction, string>> = { hold: 'Held', release: 'Released', retry: 'Retried', delete: 'Deleted' };

/** Messages per call: small enough that the bar moves on a queue of thousands, large enough not to crawl. */
function stepFor(total: number | undefined): number {
  return total === undefined ? 50 : Math.min(1000, Math.max(50, Math.ceil(total / 20)));
}

interface Run {
  readonly action: BulkAction;
  readonly done: number;
  readonly total: number | undefined;
  readonly finished: boolean;
  readonly stopped: boolean;
  readonly recipients: number;
}

/**
 * A queue action on every message a filter selects, in steps
 * (POST /api/v1/queue/{action} with "limit" and "nextCursor"), so the
 * operator sees done of total and can stop between steps.
 */
export function BulkActionForm({ initial, onDone }: { readonly initial: BulkFilter; readonly onDone: () => void }) {
  const [run, setRun] = useState<Run>();
  const [error, setError] = useState<unknown>();
  const stop = useRef(false);
  const busy = run !== undefined && !run.finished;

  async function start(action: BulkAction, filter: BulkFilter) {
    stop.current = false;
    setError(undefined);
    let state: Run = { action, done: 0, total: undefined, finished: false, stopped: false, recipients: 0 };
    setRun(state);
    let cursor: string | undefined;
    try {
      do {
        const answer = await api<BulkAnswer>(`/api/v1/queue/${action}`, { json: { ...filter, limit: stepFor(state.total), ...(cursor ? { cursor } : {}) } });
        state = { ...state, done: state.done + answer.messages, total: answer.total ?? state.total, recipients: state.recipients + (answer.recipients ?? 0) };
        cursor = answer.nextCursor ?? undefined;
        setRun(state);
      } while (cursor && !stop.current);
      setRun({ ...state, finished: true, stopped: cursor !== undefined });
    } catch (err) {
      setError(err);
      setRun({ ...state, finished: true, stopped: true });
    }
    onDone();
  }

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const action = String(form.get('action')) as BulkAction;
    const filter: BulkFilter = {};
    for (const f of FIELDS) {
      const v = String(form.get(f.name) ?? '').trim();
      if (v !== '') filter[f.name] = v;
    }
    const described = FIELDS.filter((f) => filter[f.name] !== undefined).map((f) => `${f.label.toLowerCase()} ${filter[f.name]}`);
    if (action === 'delete') {
      // Irreversible and silent (no bounce goes to the senders): ask first, and never delete the whole queue from here.
      if (described.length === 0) return setError('Give at least one filter to delete by: deleting the whole queue is deliberately not offered here (the API takes "all": true).');
      if (!window.confirm(`Delete every queued message with ${described.join(', ')}? No bounce is sent to the senders.`)) return;
    }
    void start(action, filter);
  }

  return (
    <>
      <form className="filters" aria-label="Bulk action by filter" onSubmit={submit} key={JSON.stringify(initial)}>
        <label>
          Action
          <select name="action" aria-label="Action" defaultValue="retry" disabled={busy}>
            {BULK_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a === 'retry' ? 'retry now' : a}
              </option>
            ))}
          </select>
        </label>
        {FIELDS.map((f) => (
          <label key={f.name}>
            {f.label}
            <input name={f.name} defaultValue={initial[f.name] ?? ''} placeholder={f.placeholder} autoComplete="off" disabled={busy} />
          </label>
        ))}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Apply to matching messages
          </button>
          {busy && (
            <button type="button" onClick={() => (stop.current = true)}>
              Stop
            </button>
          )}
        </div>
      </form>
      {run && <Progress label={`${DONE_WORDS[run.action]} messages`} done={run.done} total={run.total} />}
      {run?.finished && !error && (
        <Notice kind={run.stopped ? 'warn' : 'ok'}>
          {DONE_WORDS[run.action]} {formatCount(run.done)} {run.done === 1 ? 'message' : 'messages'}
          {run.action === 'retry' ? ` (${formatCount(run.recipients)} recipients due now)` : ''}
          {run.stopped ? ': stopped before the end; apply again to go on.' : '.'}
        </Notice>
      )}
      {error !== undefined && <ErrorNotice error={error} />}
    </>
  );
}
