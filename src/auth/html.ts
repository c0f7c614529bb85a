/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}.warn{background:#fff8c5;border:1px solid #d4a72c;padding:.6rem .8rem;border-radius:6px}
.dev{background:#ffebe9;border:1px solid #cf222e;padding:.6rem .8rem;border-radius:6px}
button{font:inherit;padding:.4rem 1rem;margin-right:.5rem}label{display:block;margin:.2rem 0}`;

/** A complete page; `body` must already be escaped. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function htmlResponse(html: string, status = 200, headers?: Headers): Response {
  const out = headers ?? new Headers();
  out.set("Content-Type", "text/html; charset=utf-8");
  out.set("X-Frame-Options", "DENY");
  out.set(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  );
  return new Response(html, { status, headers: out });
}

export function errorPage(title: string, message: string, status: number): Response {
  return htmlResponse(
    page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`),
    status,
  );
}
