import type { ReactNode } from 'react';
import { MessagePage } from './messages/MessagePage';
import { MessagesPage } from './messages/MessagesPage';
import { QueuePage } from './queue/QueuePage';

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
  { path: '/messages', nav: 'Messages', element: <MessagesPage /> },
  { path: '/messages/:id', element: <MessagePage /> },
  { path: '/queue', nav: 'Queue', element: <QueuePage /> },
];
