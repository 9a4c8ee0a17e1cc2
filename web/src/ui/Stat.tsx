/** One figure in a row of `.stats` (queue totals, webhook health): the value big, its label under it. */
export function Stat({ label, value }: { readonly label: string; readonly value: string }) {
  return (
    <div className="stat">
      <div className="value">{value}</div>
      <div className="label">{label}</div>
    </div>
  );
}
