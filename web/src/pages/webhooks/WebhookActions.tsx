import { useState } from 'react';
import { api } from '../../api';
import { ActionButton } from '../../ui/Buttons';
import { Notice } from '../../ui/Notice';
import type { TestResult, Webhook } from './types';

/**
 * Enable/disable, send a test event and remove: the same buttons in the
 * list and on an endpoint's page. `onChange` reloads what shows the endpoint.
 */
export function WebhookActions({ webhook, onChange, onRemoved }: { readonly webhook: Webhook; readonly onChange: () => void; readonly onRemoved: () => void }) {
  const [test, setTest] = useState<TestResult>();
  const path = `/api/v1/webhooks/${webhook.id}`;
  return (
    <div className="actions nowrap-buttons">
      <ActionButton
        label={`${webhook.enabled ? 'Disable' : 'Enable'} webhook ${webhook.url}`}
        onAction={async () => {
          await api(path, { method: 'PATCH', json: { enabled: !webhook.enabled } });
          onChange();
        }}
      >
        {webhook.enabled ? 'Disable' : 'Enable'}
      </ActionButton>
      <ActionButton
        label={`Send a test event to ${webhook.url}`}
        onAction={async () => {
          setTest(undefined);
          setTest(await api<TestResult>(`${path}/test`, { method: 'POST' }));
        }}
      >
        Send test
      </ActionButton>
      <ActionButton
        kind="danger"
        label={`Remove webhook ${webhook.url}`}
        confirm={`Remove the webhook ${webhook.url}? Its delivery log goes with it, and events stop being sent there.`}
        onAction={async () => {
          await api(path, { method: 'DELETE' });
          onRemoved();
        }}
      >
        Remove
      </ActionButton>
      {test && (
        <Notice kind={test.ok ? 'ok' : 'warn'}>
          Test event: {test.status !== null ? `HTTP ${test.status}` : 'no answer'} in {test.durationMs} ms
          {test.error ? ` (${test.error})` : ''}
        </Notice>
      )}
    </div>
  );
}
