import { Link, useNavigate } from 'react-router';
import { DataTable } from '../../ui/DataTable';
import { formatTime } from '../../ui/format';
import { Loaded } from '../../ui/Loaded';
import { Page, Panel } from '../../ui/Page';
import { useApi } from '../../ui/useApi';
import type { Items } from '../lists/types';
import { TemplateForm } from './TemplateForm';
import type { TemplateView } from './types';

/** /templates: the templates, and the form to write a new one. */
export function TemplatesPage() {
  const navigate = useNavigate();
  const templates = useApi<Items<TemplateView>>('/api/v1/templates');
  return (
    <Page title="Templates">
      <Panel title="Templates">
        <Loaded state={templates}>
          {(data) => (
            <DataTable
              caption="Message templates"
              rows={data.items}
              rowKey={(t) => String(t.id)}
              empty="No templates yet. Write one below: Liquid for the subject, HTML and text."
              columns={[
                { header: 'Template', cell: (t) => <Link to={`/templates/${t.id}`}>{t.name}</Link> },
                { header: 'Subject', cell: (t) => <span className="mono">{t.subject}</span> },
                { header: 'Parts', cell: (t) => [t.html ? 'HTML' : '', t.text ? 'text' : 'text from HTML'].filter(Boolean).join(', ') },
                { header: 'Updated', cell: (t) => formatTime(t.updatedAt) },
              ]}
            />
          )}
        </Loaded>
      </Panel>
      <Panel title="New template">
        <TemplateForm onSaved={(t) => navigate(`/templates/${t.id}`)} />
      </Panel>
    </Page>
  );
}
