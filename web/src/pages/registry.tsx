import type { ReactNode } from 'react';
import { DomainPage } from './domains/DomainPage';
import { DomainsPage } from './domains/DomainsPage';
import { SuppressionsPage } from './suppressions/SuppressionsPage';

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
  // Part D: suppression and domains.
  { path: '/suppressions', nav: 'Suppressions', element: <SuppressionsPage /> },
  { path: '/domains', nav: 'Domains', element: <DomainsPage /> },
  { path: '/domains/:domain', element: <DomainPage /> },
];
