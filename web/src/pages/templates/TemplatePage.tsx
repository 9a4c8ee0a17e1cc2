import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api';
import { ActionButton } from '../../ui/Buttons';
import { formatTime } from '../../ui/format';
import { ErrorNotice } from '../../ui/Notice';
import { Page, Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import { PreviewPanel } from './PreviewPanel';
import { TemplateForm } from './TemplateForm';
import type { TemplateView } from './types';

/** /templates/:id: edit a template beside its preview for a contact; delete it. */
export function TemplatePage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const tpl = useApi<TemplateView>(`/api/v1/templates/${encodeURIComponent(id)}`);
  const t = tpl.data;
  return (
    <Page
      title={t ? `Template: ${t.name}` : 'Template'}
      actions={
        t && (
          <ActionButton
            kind="danger"
            label={`Delete template ${t.name}`}
            confirm={`Delete the template ${t.name}?`}
            onAction={async () => {
              await api(`/api/v1/templates/${t.id}`, { method: 'DELETE' });
              navigate('/templates');
            }}
          >
            Delete
          </ActionButton>
        )
      }
    >
      <p>
        <Link to="/templates">All templates</Link>
      </p>
      {tpl.error !== undefined && <ErrorNotice error={tpl.error} />}
      {t && (
        <div className="grid">
          <Panel title="Edit">
            <p className="muted">
              Id {t.id}; updated {formatTime(t.updatedAt)}.
            </p>
            <TemplateForm template={t} onSaved={tpl.reload} />
          </Panel>
          <PreviewPanel templateId={t.id} />
        </div>
      )}
    </Page>
  );
}
