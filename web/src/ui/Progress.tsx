/** Progress of a long action (bulk queue action, CSV import): done of total, with a text twin for screen readers. */
export function Progress({ done, total, label }: { readonly done: number; readonly total: number | undefined; readonly label: string }) {
  const pct = total ? Math.min(100, Math.round((done / total) * 100)) : undefined;
  return (
    <div className="progress" role="status" aria-live="polite">
      <progress max={total ?? undefined} value={total ? done : undefined} aria-label={label} />
      <span>
        {label}: {done.toLocaleString()}
        {total !== undefined ? ` of ${total.toLocaleString()} (${pct}%)` : ''}
      </span>
    </div>
  );
}
