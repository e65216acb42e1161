// The frame of every HTML page the analyzer writes (explain, audit): one
// self-contained file whose Content-Security-Policy forbids every request
// (no script, no external font, image or style; inline styles only).

export const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** `<!doctype html>` to `</html>`: the title (also the page's h1, escaped), its style sheet and its body (HTML). */
export function htmlPage(title: string, style: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title><style>${style}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}
