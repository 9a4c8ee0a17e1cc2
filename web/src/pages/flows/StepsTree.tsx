import { Link } from 'react-router';
import type { FlowStep } from './types';

/** One step in words; a branch carries its two sub-trees. */
function Step({ step }: { readonly step: FlowStep }) {
  switch (step.type) {
    case 'wait':
      return (
        <>
          <strong>Wait</strong> {step.duration}
        </>
      );
    case 'send':
      return (
        <>
          <strong>Send</strong> <Link to={`/templates/${step.template}`}>template {step.template}</Link> from <span className="mono">{step.from}</span>
          {step.stream ? ` (${step.stream})` : ''}
        </>
      );
    case 'update':
      return (
        <>
          <strong>Set</strong> <span className="mono">{step.attr}</span> to <span className="mono">{JSON.stringify(step.value)}</span>
        </>
      );
    case 'exit':
      return <strong>Exit</strong>;
    case 'branch':
      return (
        <>
          <strong>If</strong> <code>{JSON.stringify(step.if)}</code>
          <div className="branch">
            <span className="muted">then</span>
            <StepsTree steps={step.then} />
            <span className="muted">else</span>
            <StepsTree steps={step.else} />
          </div>
        </>
      );
    default:
      return <code>{JSON.stringify(step)}</code>;
  }
}

/**
 * A flow's steps as a read-only tree: numbered in order, a branch's then and
 * else nested under it. Operator data (attribute values, filters) is text.
 */
export function StepsTree({ steps }: { readonly steps: readonly FlowStep[] }) {
  if (steps.length === 0) return <p className="muted">No steps (the contact leaves at once).</p>;
  return (
    <ol className="steps">
      {steps.map((s, i) => (
        <li key={i}>
          <Step step={s} />
        </li>
      ))}
    </ol>
  );
}
