import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type RequestOptions } from '../api';

export interface ApiState<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Fetch again now (after an action). */
  reload(): void;
}

/**
 * GET a route and keep it fresh: refetched when `path`/`query` change, and
 * every `pollMs` while the tab is visible (live counters, queue, deliveries).
 */
export function useApi<T>(path: string | undefined, opts: { readonly query?: RequestOptions['query']; readonly pollMs?: number } = {}): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(path !== undefined);
  const [tick, setTick] = useState(0);
  const queryKey = JSON.stringify(opts.query ?? {});
  const latest = useRef(0);

  useEffect(() => {
    if (path === undefined) return;
    const ctrl = new AbortController();
    const seq = ++latest.current;
    setLoading(true);
    api<T>(path, { query: JSON.parse(queryKey) as RequestOptions['query'], signal: ctrl.signal })
      .then((d) => {
        if (seq !== latest.current) return;
        setData(d);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (seq !== latest.current || (err as Error).name === 'AbortError') return;
        setError(err);
      })
      .finally(() => {
        if (seq === latest.current) setLoading(false);
      });
    return () => ctrl.abort();
  }, [path, queryKey, tick]);

  useEffect(() => {
    if (!opts.pollMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') setTick((t) => t + 1);
    }, opts.pollMs);
    return () => clearInterval(timer);
  }, [opts.pollMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
