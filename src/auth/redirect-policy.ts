import { isLoopbackHostname } from "../loopback";

/** Claude's OAuth callbacks (claude.ai web, mobile and desktop all use these). */
export const CLAUDE_CALLBACKS = [
  "https://claude.ai/api/mcp/auth_callback",
  "https://claude.com/api/mcp/auth_callback",
] as const;

/**
 * Which redirect URIs a dynamically registered client may use: Claude's
 * callbacks, loopback http(s) redirects (MCP Inspector, CLIs, desktop apps
 * that listen on a local port) and the deployment's own extra list.
 * Everything else is refused at registration, before any consent page exists.
 */
export function isAllowedRedirectUri(uri: string, extra: readonly string[]): boolean {
  if ((CLAUDE_CALLBACKS as readonly string[]).includes(uri) || extra.includes(uri)) return true;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.username || url.password || url.hash) return false;
  return (
    (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHostname(url.hostname)
  );
}

export interface RedirectVerdict {
  ok: boolean;
  refused: string[];
}

/**
 * Every http(s) redirect URI must be allowed, and at least one must be given.
 * URIs with a private-use scheme (Cursor registers `cursor://...` next to its
 * loopback callback) are tolerated: the provider refuses any authorization
 * request that tries to use one, so they can never receive a code.
 * The scheme is judged on the parsed URL, and whitespace or control
 * characters anywhere refuse the URI: URL parsers trim them, so
 * " https://evil.example/cb" would otherwise pass as a private scheme here
 * and be used as https later.
 */
export function checkRedirectUris(uris: unknown, extra: readonly string[]): RedirectVerdict {
  const list = (Array.isArray(uris) ? uris : []).map((uri) => String(uri));
  const refused: string[] = [];
  let web = 0;
  for (const uri of list) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    if (/[\s\u0000-\u001f\u007f]/.test(uri) || !URL.canParse(uri)) {
      refused.push(uri);
      continue;
    }
    const protocol = new URL(uri).protocol;
    if (protocol !== "http:" && protocol !== "https:") continue;
    web++;
    if (!isAllowedRedirectUri(uri, extra)) refused.push(uri);
  }
  return { ok: web > 0 && refused.length === 0, refused };
}

export function redirectRefusalMessage(refused: readonly string[]): string {
  const shown = refused.length > 0 ? refused.join(", ") : "(none given)";
  return (
    `redirect_uris not allowed here: ${shown}. This server accepts Claude's callbacks ` +
    `(${CLAUDE_CALLBACKS.join(", ")}), loopback redirects such as http://localhost:PORT/callback, ` +
    "and URIs its operator lists in EXTRA_REDIRECT_URIS."
  );
}
