import { createContext, useCallback, useContext, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, setUnauthorizedHandler } from './api';
import { ErrorNotice } from './ui/Notice';
import { formatTime } from './ui/format';

/** GET/POST /api/v1/session: who is logged in, and the CSRF token for state-changing requests. */
export interface SessionInfo {
  readonly admin: string;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

interface SessionContextValue {
  readonly session: SessionInfo;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionGate');
  return value;
}

/** Renders its children for a logged-in admin, the login form otherwise. */
export function SessionGate({ children }: { readonly children: ReactNode }) {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);

  const adopt = useCallback((s: SessionInfo | null) => {
    setCsrfToken(s?.csrfToken);
    setSession(s);
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => adopt(null));
    api<SessionInfo>('/api/v1/session')
      .then(adopt)
      .catch(() => adopt(null));
    return () => setUnauthorizedHandler(undefined);
  }, [adopt]);

  const logout = useCallback(async () => {
    await api('/api/v1/session', { method: 'DELETE' }).catch(() => undefined);
    adopt(null);
  }, [adopt]);

  if (session === undefined) return <p className="loading" role="status">Loading…</p>;
  if (session === null) return <LoginForm onLogin={adopt} />;
  return <SessionContext.Provider value={{ session, logout }}>{children}</SessionContext.Provider>;
}

/**
 * After a 429 (the account locked, or this address over its failure limit):
 * when to try again, in the operator's local time, from the problem's
 * retryAfter (the same number as the Retry-After header).
 */
function RetryHint({ error }: { readonly error: ApiError }) {
  const seconds = typeof error.extra.retryAfter === 'number' ? error.extra.retryAfter : undefined;
  if (error.status !== 429 || seconds === undefined) return null;
  return (
    <p className="muted" role="status">
      You can try again at <strong>{formatTime(Date.now() + seconds * 1000)}</strong>.
    </p>
  );
}

function LoginForm({ onLogin }: { readonly onLogin: (s: SessionInfo) => void }) {
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await api<SessionInfo>('/api/v1/session', { json: { name: form.get('name'), password: form.get('password') } }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'client', 'Error', String(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title" className="card">
        <h1 id="login-title">Baton</h1>
        <p className="muted">Log in with an admin account (create one with <code>baton admin create NAME</code>).</p>
        <label>
          Name
          <input name="name" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && <ErrorNotice error={error} />}
        {error && <RetryHint error={error} />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
