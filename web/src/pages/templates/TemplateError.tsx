import { ApiError } from '../../api';
import { ErrorNotice } from '../../ui/Notice';

/**
 * An error of a template route: the API's notice, plus where the template
 * is wrong when the 422 says (`part`: subject, html or text; `line`; `reason`),
 * so the operator can find the bad tag without reading the detail closely.
 */
export function TemplateError({ error }: { readonly error: unknown }) {
  const e = error instanceof ApiError ? error : undefined;
  const part = typeof e?.extra.part === 'string' ? e.extra.part : undefined;
  const line = typeof e?.extra.line === 'number' ? e.extra.line : undefined;
  const reason = typeof e?.extra.reason === 'string' ? e.extra.reason : undefined;
  return (
    <>
      <ErrorNotice error={error} />
      {part && (
        <p className="bad-text" role="status">
          In the {part}
          {line !== undefined ? `, line ${line}` : ''}
          {reason ? `: ${reason}` : ''}
        </p>
      )}
    </>
  );
}
