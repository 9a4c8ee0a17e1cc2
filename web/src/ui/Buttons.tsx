import { useState, type ReactNode } from 'react';
import { ErrorNotice } from './Notice';

/**
 * A button that runs an async action, shows it is busy, and reports the
 * API's error beside it. `confirm`: asks first (for delete, bulk actions).
 */
export function ActionButton({
  onAction,
  children,
  confirm,
  kind = 'plain',
  disabled,
  label,
}: {
  readonly onAction: () => Promise<unknown>;
  readonly children: ReactNode;
  readonly confirm?: string;
  readonly kind?: 'plain' | 'primary' | 'danger';
  readonly disabled?: boolean;
  /** aria-label when the visible text is not enough ("Hold message 1a2b"). */
  readonly label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function run() {
    if (confirm && !window.confirm(confirm)) return;
    setBusy(true);
    setError(undefined);
    try {
      await onAction();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" className={kind} onClick={run} disabled={busy || disabled} aria-busy={busy} aria-label={label}>
        {children}
      </button>
      {error !== undefined && <ErrorNotice error={error} />}
    </>
  );
}

/** Copies `text` to the clipboard (DNS records, keys). */
export function CopyButton({ text, label = 'Copy' }: { readonly text: string; readonly label?: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API needs a secure context and permission; fall back to a selection copy.
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  }
  return (
    <button type="button" className="small" onClick={copy} aria-label={`${label}: ${text.slice(0, 40)}`}>
      {copied ? 'Copied' : label}
    </button>
  );
}
