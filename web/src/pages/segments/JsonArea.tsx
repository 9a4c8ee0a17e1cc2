import { useId, useState } from 'react';

/**
 * A JSON text area for the editors (segment filters, template defaults, flows):
 * monospaced, and it says at once whether what is typed parses, so a
 * missing comma shows before the request does. Controlled by the caller.
 */
export function JsonArea({
  label,
  value,
  onChange,
  rows = 8,
  hint,
}: {
  readonly label: string;
  readonly value: string;
  readonly onChange: (text: string) => void;
  readonly rows?: number;
  readonly hint?: string;
}) {
  const id = useId();
  const [touched, setTouched] = useState(false);
  const problem = jsonProblem(value);
  return (
    <label>
      {label}
      {hint && <span className="hint muted">{hint}</span>}
      <textarea
        className="mono json-area"
        rows={rows}
        spellCheck={false}
        value={value}
        aria-invalid={problem !== undefined}
        aria-describedby={problem && touched ? id : undefined}
        onChange={(e) => {
          setTouched(true);
          onChange(e.target.value);
        }}
      />
      {problem && touched && (
        <span id={id} className="hint bad-text">
          Not valid JSON: {problem}
        </span>
      )}
    </label>
  );
}

/** Why `text` does not parse as JSON; undefined when it does (or is empty). */
export function jsonProblem(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Pretty JSON for an editor. */
export function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
