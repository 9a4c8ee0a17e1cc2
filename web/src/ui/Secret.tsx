import type { ReactNode } from 'react';
import { CopyButton } from './Buttons';

/**
 * A secret Baton shows only once (a new API key, a generated password, a
 * webhook's signing secret), after `children`, with a button to copy it.
 */
export function Secret({ value, label, copyLabel, children }: { readonly value: string; readonly label: string; readonly copyLabel: string; readonly children?: ReactNode }) {
  return (
    <p className="secret">
      {children}
      <code aria-label={label}>{value}</code> <CopyButton text={value} label={copyLabel} />
    </p>
  );
}
