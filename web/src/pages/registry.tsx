import type { ReactNode } from 'react';
import { KeysPage } from './users/KeysPage';
import { UsersPage } from './users/UsersPage';
import { WebhookPage } from './webhooks/WebhookPage';
import { WebhooksPage } from './webhooks/WebhooksPage';
import { OverviewPage } from './overview/OverviewPage';
import { DomainPage } from './domains/DomainPage';
import { DomainsPage } from './domains/DomainsPage';
import { SuppressionsPage } from './suppressions/SuppressionsPage';
import { MessagePage } from './messages/MessagePage';
import { MessagesPage } from './messages/MessagesPage';
import { QueuePage } from './queue/QueuePage';
import { ListPage } from './lists/ListPage';
import { ListsPage } from './lists/ListsPage';
import { SegmentPage } from './segments/SegmentPage';
import { SegmentsPage } from './segments/SegmentsPage';
import { TemplatePage } from './templates/TemplatePage';
import { TemplatesPage } from './templates/TemplatesPage';
import { CampaignPage } from './campaigns/CampaignPage';
import { CampaignsPage } from './campaigns/CampaignsPage';
import { FlowPage } from './flows/FlowPage';
import { FlowsPage } from './flows/FlowsPage';

/**
 * Every page of the dashboard: one entry per route. A page group adds its
 * entries here (and nothing else outside its own files). `nav` puts the page
 * in the menu, in this order; detail pages (a message, a webhook) have none.
 */
export interface PageEntry {
  /** react-router path: "/messages/:id". */
  readonly path: string;
  readonly nav?: string;
  readonly element: ReactNode;
}

export const PAGES: readonly PageEntry[] = [
  // In the menu's order: what an operator looks at most first.
  { path: '/', nav: 'Overview', element: <OverviewPage /> },
  { path: '/messages', nav: 'Messages', element: <MessagesPage /> },
  { path: '/messages/:id', element: <MessagePage /> },
  { path: '/queue', nav: 'Queue', element: <QueuePage /> },
  { path: '/suppressions', nav: 'Suppressions', element: <SuppressionsPage /> },
  { path: '/domains', nav: 'Domains', element: <DomainsPage /> },
  { path: '/domains/:domain', element: <DomainPage /> },
  { path: '/webhooks', nav: 'Webhooks', element: <WebhooksPage /> },
  { path: '/webhooks/:id', element: <WebhookPage /> },
  { path: '/users', nav: 'Users', element: <UsersPage /> },
  { path: '/keys', nav: 'API keys', element: <KeysPage /> },
  // Campaigns (issue 15): the sender's side, after the relay's own pages.
  { path: '/campaigns', nav: 'Campaigns', element: <CampaignsPage /> },
  { path: '/campaigns/:id', element: <CampaignPage /> },
  { path: '/lists', nav: 'Lists', element: <ListsPage /> },
  { path: '/lists/:id', element: <ListPage /> },
  { path: '/segments', nav: 'Segments', element: <SegmentsPage /> },
  { path: '/segments/:id', element: <SegmentPage /> },
  { path: '/templates', nav: 'Templates', element: <TemplatesPage /> },
  { path: '/templates/:id', element: <TemplatePage /> },
  { path: '/flows', nav: 'Flows', element: <FlowsPage /> },
  { path: '/flows/:id', element: <FlowPage /> },
];
