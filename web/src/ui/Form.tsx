import type { ReactNode } from 'react';
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
