import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorNotice } from './Notice';

/** The end of a create or edit form: its submit button (busy while the request runs) and the API's error under it. */
export function SubmitRow({ busy, error, children }: { readonly busy?: boolean; readonly error: unknown; readonly children: ReactNode }) {
  return (
    <>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {children}
        </button>
      </div>
      {error !== undefined && <ErrorNotice error={error} />}
    </>
  );
}

/**
 * A form's submit handler: runs `action` with the form's data, busy
 * meanwhile; what it throws (the API's error, or a check of the inputs) is
 * kept as `error` for SubmitRow to show, and cleared on the next submit.
 */
export function useSubmit(action: (data: FormData, form: HTMLFormElement) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    setBusy(true);
    setError(undefined);
    try {
      await action(new FormData(form), form);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, onSubmit };
}
