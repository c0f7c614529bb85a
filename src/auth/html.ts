/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}.warn{background:#fff8c5;border:1px solid #d4a72c;padding:.6rem .8rem;border-radius:6px}
.dev{background:#ffebe9;border:1px solid #cf222e;padding:.6rem .8rem;border-radius:6px}
button{font:inherit;padding:.4rem 1rem;margin-right:.5rem}label{display:block;margin:.2rem 0}
a.button{display:inline-block;border:1px solid #8c959f;border-radius:6px;padding:.4rem 1rem;color:inherit;text-decoration:none}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;border-bottom:1px solid #d0d7de;padding:.3rem .4rem;vertical-align:top}
td button{padding:.1rem .6rem;margin:0}`;

/** A complete page; `body` must already be escaped. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

/**
 * The consent page's form ends in redirects to other origins (the identity
 * provider, then the app's callback, which may hop on to a `claude://` link).
 * Chromium and Safari check `form-action` against every hop of a form's
 * redirect chain, so that directive would stop Allow from ever reaching the
 * app. The page runs no script and escapes everything it shows, so nothing
 * else can put a form on it.
 */
export const CONSENT_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

export function htmlResponse(
  html: string,
  status = 200,
  headers?: Headers,
  policy = PAGE_POLICY,
): Response {
  const out = headers ?? new Headers();
  out.set("Content-Type", "text/html; charset=utf-8");
  out.set("X-Frame-Options", "DENY");
  out.set("Content-Security-Policy", policy);
  return new Response(html, { status, headers: out });
}

export function errorPage(title: string, message: string, status: number): Response {
  return htmlResponse(
    page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`),
    status,
  );
}
