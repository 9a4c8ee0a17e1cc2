import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../../../intake/index.js';
import { reportFileName, type TlsRptReport } from './report.js';

export interface ReportMailInput {
  readonly from: string;
  readonly to: string;
  readonly domain: string;
  readonly submitter: string;
  readonly report: TlsRptReport;
  readonly gzipped: Buffer;
  readonly at: number;
}

/**
 * The report as mail (RFC 8460 §5.3): multipart/report with
 * report-type="tlsrpt" (RFC 6522), a short text part, and the gzipped JSON as
 * an application/tlsrpt+gzip attachment; the Subject and the
 * TLS-Report-Domain / TLS-Report-Submitter fields the RFC names. CRLF lines.
 */
export function buildReportMail(m: ReportMailInput): Buffer {
  const boundary = `tlsrpt-${randomBytes(12).toString('hex')}`;
  const id = m.report['report-id'];
  const range = m.report['date-range'];
  const lines = [
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: Report Domain: ${m.domain} Submitter: ${m.submitter} Report-ID: <${id}>`,
    `Date: ${rfc5322Date(m.at)}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${m.submitter}>`,
    `TLS-Report-Domain: ${m.domain}`,
    `TLS-Report-Submitter: ${m.submitter}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${boundary}"`,
    '',
    'This is a multipart message in MIME format.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This is an aggregate TLS report (RFC 8460) from ${m.submitter} for ${m.domain},`,
    `covering ${range['start-datetime']} to ${range['end-datetime']}.`,
    '',
    `--${boundary}`,
    'Content-Type: application/tlsrpt+gzip',
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${reportFileName(m.report, m.submitter, m.domain)}"`,
    '',
    ...(m.gzipped.toString('base64').match(/.{1,76}/g) ?? []),
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}
