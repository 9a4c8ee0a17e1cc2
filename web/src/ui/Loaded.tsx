import type { ReactNode } from 'react';
import { ErrorNotice } from './Notice';
import type { ApiState } from './useApi';

/**
 * What a panel shows of a `useApi` result: its error, a loading line until
 * the first data arrives (not under an error), then `children` of the data.
 * The data stays shown, with the error above it, when a later poll fails.
 */
export function Loaded<T>({
  state,
  loading = <p className="loading">Loading…</p>,
  children,
}: {
  readonly state: Pick<ApiState<T>, 'data' | 'error'>;
  /** The loading line, when the panel words it ("Looking up DNS…"). */
  readonly loading?: ReactNode;
  readonly children: (data: T) => ReactNode;
}) {
  return (
    <>
      {state.error !== undefined && <ErrorNotice error={state.error} />}
      {state.data === undefined ? state.error === undefined && loading : children(state.data)}
    </>
  );
}
