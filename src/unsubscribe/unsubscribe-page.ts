/**
 * The small pages of the unsubscribe endpoint. Plain HTML, no scripts, no
 * outside resources (nothing for a mail client or scanner to fetch), every
 * value escaped.
 */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto; padding: 0 1em">
${body}
</body></html>
`;
}

/**
 * GET: asks, never acts (link scanners follow every URL in a message). The
 * button POSTs what a one-click client posts (RFC 8058 §3.2), plus `page` so
 * that a person gets a page back.
 */
export function confirmPage(address: string, domain: string | undefined, token: string): string {
  const from = domain === undefined ? 'all mail sent through this service' : `mail from ${escapeHtml(domain)}`;
  return page(
    'Unsubscribe',
    `<h1>Unsubscribe</h1>
<p>Stop ${from} to <strong>${escapeHtml(address)}</strong>?</p>
<form method="post" action="${escapeHtml(token)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<input type="hidden" name="page" value="1">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

export function donePage(address: string): string {
  return page('Unsubscribed', `<h1>Unsubscribed</h1>\n<p><strong>${escapeHtml(address)}</strong> will get no more of this mail.</p>`);
}

export function invalidLinkPage(): string {
  return page('Link not valid', '<h1>This unsubscribe link is not valid</h1>\n<p>It may be incomplete or too old. Use the link in a more recent message, or reply to the sender.</p>');
}
