import type { ReactNode } from 'react';

export interface Column<T> {
  /** Header text; also the cell's label when rows stack as cards on a phone. */
  readonly header: string;
  readonly cell: (row: T) => ReactNode;
  /** Right-align numbers. */
  readonly numeric?: boolean;
}

/**
 * A table that stays readable at phone width: below 640 px each row becomes a
 * card whose cells carry their column's header (styles.css, `data-label`).
 */
export function DataTable<T>({
  columns,
  rows,
  rowKey,
  empty,
  caption,
}: {
  readonly columns: readonly Column<T>[];
  readonly rows: readonly T[];
  readonly rowKey: (row: T) => string;
  readonly empty: ReactNode;
  /** For screen readers: what the table lists. */
  readonly caption: string;
}) {
  if (rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-wrap">
      <table className="data">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={c.numeric ? 'num' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.header} data-label={c.header} className={c.numeric ? 'num' : undefined}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
