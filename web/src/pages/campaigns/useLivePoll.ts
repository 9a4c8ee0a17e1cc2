import { useEffect, useState } from 'react';
import { useApi, type ApiState } from '../../ui/useApi';

/**
 * useApi that polls every 1.5 s while `live(data)` says the numbers move (a
 * campaign sending or scheduled) and every 10 s otherwise (one started by
 * another operator or the CLI still shows up).
 */
export function useLivePoll<T>(path: string, live: (data: T) => boolean): ApiState<T> {
  const [fast, setFast] = useState(false);
  const state = useApi<T>(path, { pollMs: fast ? 1500 : 10_000 });
  const data = state.data;
  useEffect(() => {
    setFast(data !== undefined && live(data));
    // `live` is a pure function of the data; a new closure each render must not re-run this.
  }, [data]);
  return state;
}
