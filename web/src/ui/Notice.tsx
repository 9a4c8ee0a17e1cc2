import type { ReactNode } from 'react';
import { ApiError } from '../api';

/** An API error as the operator should read it: the problem's detail, and each invalid field for a 422. */
export function ErrorNotice({ error }: { readonly error: unknown }) {
  const e = error instanceof ApiError ? error : undefined;
  const fields = Array.isArray(e?.extra.errors) ? (e.extra.errors as { path: string; message: string }[]) : [];
  return (
    <div className="notice error" role="alert">
      <strong>{e?.title ?? 'Error'}</strong> {e?.message ?? String(error)}
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.path}>
              <code>{f.path}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { readonly kind?: 'info' | 'ok' | 'warn'; readonly children: ReactNode }) {
  return (
    <div className={`notice ${kind}`} role="status">
      {children}
    </div>
  );
}
