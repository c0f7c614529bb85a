import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { oidcUserId } from "../../src/auth/identity";
import { MockIdp } from "../support/mock-idp";
import {
  Browser,
  CLIENT_REDIRECT,
  type EnvOverrides,
  fetchWith,
  formValue,
  location,
  mcpInitialize,
  OIDC_ORIGIN,
  redeem,
  registerClient,
  signInAtProvider,
} from "../support/oidc-flow";

const OPERATOR = { sub: "op-7", email: "Olga@Ops.Example.com", name: "Olga" };
const ADMIN = { sub: "ada-1", email: "ada@example.com", email_verified: true, name: "Ada" };
const VIEWER = { sub: "viewer-subject-42", name: "Vic" };
const STRANGER = { sub: "mallory-9", email: "mallory@elsewhere.example", name: "Mallory" };

let idp: MockIdp;
let settings: EnvOverrides;

beforeEach(async () => {
  idp = await MockIdp.create();
  settings = {
    PUBLIC_ORIGIN: OIDC_ORIGIN,
    DEV_SIGN_IN: "disabled",
    OIDC_ISSUER: idp.issuer,
    OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret,
    ADMIN_USERS: "ada@example.com",
    OPERATOR_USERS: "*@ops.example.com",
    VIEWER_USERS: "viewer-subject-42",
  };
  // The Worker runs in this isolate: its calls to the provider land here, and
  // anything else is refused by the mock, so no test reaches the network.
  vi.spyOn(globalThis, "fetch").mockImplementation(idp.fetch);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** What `run` returned, and everything the Worker logged meanwhile. */
async function withLog(run: () => Promise<Response>): Promise<{ response: Response; log: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  try {
    return { response: await run(), log: lines.join("\n") };
  } finally {
    spy.mockRestore();
  }
}

/** The OAuth error a page's "Return to the app" link hands back to the client. */
function returnLink(html: string): URL {
  const href = /<a class="button" href="([^"]+)"/.exec(html)?.[1];
  if (!href) throw new Error("page has no link back to the app");
  return new URL(
    href.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code))),
  );
}

describe("OIDC sign-in", () => {
  it("signs an allow-listed operator in and issues an MCP token for that role", async () => {
    const browser = new Browser(settings);
    const client = await registerClient(settings);
    const { callback, consentPage } = await signInAtProvider(browser, idp, client, OPERATOR);

    expect(consentPage).toContain("Allow Claude to use your Proxmox cluster?");
    expect(consentPage).toContain("pve-team.cloudflareaccess.com");
    expect(consentPage).toContain("claude.ai");
    expect(consentPage).not.toContain('name="role"');

    expect(callback.status).toBe(302);
    const redirect = location(callback);
    expect(redirect.startsWith(`${CLIENT_REDIRECT}?`)).toBe(true);
    const back = new URL(redirect);
    expect(back.searchParams.get("state")).toBe("client-state-1");
    expect(back.searchParams.get("iss")).toBe(OIDC_ORIGIN);

    const tokens = await redeem(settings, client, redirect);
    expect(tokens.scope?.split(" ").sort()).toEqual(["pve:operate", "pve:read"]);
    expect((await mcpInitialize(settings, tokens.access_token)).status).toBe(200);

    // Discovery, the code exchange (secret, redirect URI and PKCE checked by the mock) and the keys.
    expect(idp.requests).toEqual([
      `GET ${idp.issuer}/.well-known/openid-configuration`,
      `POST ${idp.issuer}/token`,
      `GET ${idp.issuer}/jwks`,
    ]);
  });

  it("records a grant under an opaque user ID with who signed in", async () => {
    const browser = new Browser(settings);
    const client = await registerClient(settings);
    const { callback } = await signInAtProvider(browser, idp, client, ADMIN);
    const tokens = await redeem(settings, client, location(callback));
    const [userId] = tokens.access_token.split(":");
    expect(userId).toMatch(/^oidc-[A-Za-z0-9_-]{24}$/);
    const keys = await env.OAUTH_KV.list({ prefix: `grant:${userId}:` });
    expect(keys.keys).toHaveLength(1);
    const grant = await env.OAUTH_KV.get<{ metadata: Record<string, unknown> }>(
      keys.keys[0]?.name ?? "",
      "json",
    );
    expect(grant?.metadata).toMatchObject({
      name: "Ada",
      email: "ada@example.com",
      subject: "ada-1",
      role: "admin",
      signIn: "oidc",
    });
  });

  it("gives a viewer listed by subject read access only", async () => {
    const client = await registerClient(settings);
    const { callback } = await signInAtProvider(new Browser(settings), idp, client, VIEWER);
    const tokens = await redeem(settings, client, location(callback));
    expect(tokens.scope).toBe("pve:read");
  });

  it("lowers an admin's grant to what the client asked for", async () => {
    const client = await registerClient(settings, "pve:read");
    const { callback } = await signInAtProvider(new Browser(settings), idp, client, ADMIN);
    expect((await redeem(settings, client, location(callback))).scope).toBe("pve:read");
  });

  it("lets Allow redirect across origins: the consent page has no form-action policy", async () => {
    const client = await registerClient(settings);
    const page = await new Browser(settings).open(client.authorizeUrl);
    const policy = page.headers.get("Content-Security-Policy") ?? "";
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain("form-action");
    expect(page.headers.get("X-Frame-Options")).toBe("DENY");
  });

  it("sends the client access_denied when the user denies on the consent page", async () => {
    const browser = new Browser(settings);
    const client = await registerClient(settings);
    const page = await (await browser.open(client.authorizeUrl)).text();
    const denied = await browser.post("/authorize", {
      handle: formValue(page, "handle"),
      decision: "deny",
    });
    expect(denied.status).toBe(302);
    const back = new URL(location(denied));
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(idp.requests).toEqual([]);
  });
});

describe("id_token verification", () => {
  it.each([
    ["a forged signature", { forge: true }, "signature does not match"],
    ["an expired token", { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } }, "has expired"],
    ["a token for another application", { claims: { aud: "someone-else" } }, "(aud)"],
    ["a token from another sign-in", { claims: { nonce: "replayed-nonce" } }, "nonce"],
    [
      "a token from another issuer",
      { claims: { iss: "https://evil.example/oidc" } },
      "other than https://pve-team.cloudflareaccess.com",
    ],
  ])("refuses %s", async (_label, tamper, reason) => {
    const browser = new Browser(settings);
    const client = await registerClient(settings);
    const { callback } = await signInAtProvider(browser, idp, client, ADMIN, { tamper });
    expect(callback.status).toBe(403);
    const html = await callback.text();
    expect(html).toContain("Sign-in could not be verified");
    expect(html).toContain(reason);
    const back = returnLink(html);
    expect(back.origin + back.pathname).toBe(CLIENT_REDIRECT);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("client-state-1");
    expect(back.searchParams.has("code")).toBe(false);
    const userId = await oidcUserId(idp.issuer, ADMIN.sub);
    expect((await env.OAUTH_KV.list({ prefix: `grant:${userId}:` })).keys).toEqual([]);
  });

  it("refuses the same callback twice", async () => {
    const browser = new Browser(settings);
    const client = await registerClient(settings);
    const consent = await (await browser.open(client.authorizeUrl)).text();
    const approved = await browser.post("/authorize", {
      handle: formValue(consent, "handle"),
      decision: "approve",
    });
    const callbackUrl = idp.authorize(location(approved), ADMIN);
    expect((await browser.open(callbackUrl)).status).toBe(302);
    const replay = await browser.open(callbackUrl);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("Start signing in again");
  });

  it("refuses a callback opened in another browser", async () => {
    const client = await registerClient(settings);
    const browser = new Browser(settings);
    const consent = await (await browser.open(client.authorizeUrl)).text();
    const approved = await browser.post("/authorize", {
      handle: formValue(consent, "handle"),
      decision: "approve",
    });
    const callbackUrl = idp.authorize(location(approved), ADMIN);
    const elsewhere = await new Browser(settings).open(callbackUrl);
    expect(elsewhere.status).toBe(400);
  });
});

describe("the allow-list", () => {
  it("refuses an unknown user with a page that says who they are and how to get in", async () => {
    const client = await registerClient(settings);
    const { callback } = await signInAtProvider(new Browser(settings), idp, client, STRANGER);
    expect(callback.status).toBe(403);
    const html = await callback.text();
    expect(html).toContain("You are not on this server's list");
    expect(html).toContain("mallory@elsewhere.example");
    expect(html).toContain("mallory-9");
    for (const variable of ["VIEWER_USERS", "OPERATOR_USERS", "ADMIN_USERS"]) {
      expect(html).toContain(variable);
    }
    const back = returnLink(html);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("client-state-1");
  });

  it("does not match an email a generic provider leaves unconfirmed, unless told to trust it", async () => {
    const generic = await MockIdp.create("generic");
    vi.spyOn(globalThis, "fetch").mockImplementation(generic.fetch);
    const genericSettings = {
      ...settings,
      OIDC_ISSUER: generic.issuer,
      OIDC_CLIENT_ID: generic.clientId,
      OIDC_CLIENT_SECRET: generic.clientSecret,
    };
    // OPERATOR carries an email but no email_verified claim: anyone could have typed it.
    const client = await registerClient(genericSettings);
    const refused = await signInAtProvider(new Browser(genericSettings), generic, client, OPERATOR);
    expect(refused.callback.status).toBe(403);

    const trusting = { ...genericSettings, OIDC_TRUST_EMAIL: "true" };
    const trustedClient = await registerClient(trusting);
    const { callback } = await signInAtProvider(
      new Browser(trusting),
      generic,
      trustedClient,
      OPERATOR,
    );
    const tokens = await redeem(trusting, trustedClient, location(callback));
    expect(tokens.scope).toBe("pve:read pve:operate");
  });

  it("does not trust an email address the provider marks unverified", async () => {
    const client = await registerClient(settings);
    const impostor = { sub: "someone-else", email: "ada@example.com", email_verified: false };
    const { callback } = await signInAtProvider(new Browser(settings), idp, client, impostor);
    expect(callback.status).toBe(403);
    const html = await callback.text();
    expect(html).toContain("does not confirm the address ada@example.com as verified");
    expect(html).toContain("<code>someone-else</code>");
  });

  it("re-checks the list on refresh: a lowered role gets a lower token, a removed user none", async () => {
    const client = await registerClient(settings);
    const { callback } = await signInAtProvider(new Browser(settings), idp, client, OPERATOR);
    const tokens = await redeem(settings, client, location(callback));
    expect(tokens.scope).toBe("pve:read pve:operate");

    const refresh = (overrides: EnvOverrides, token: string) =>
      fetchWith(overrides, `${OIDC_ORIGIN}/oauth/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: token,
          client_id: client.clientId,
        }),
      });

    const demoted = { ...settings, OPERATOR_USERS: "", VIEWER_USERS: "*@ops.example.com" };
    const lowered = await refresh(demoted, tokens.refresh_token ?? "");
    expect(lowered.status).toBe(200);
    const next = await lowered.json<{ scope: string; refresh_token: string }>();
    expect(next.scope).toBe("pve:read");

    const removed = { ...settings, OPERATOR_USERS: "", VIEWER_USERS: "" };
    const refused = await refresh(removed, next.refresh_token);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "invalid_grant" });
  });
});

describe("provider errors and configuration", () => {
  it("answers the client access_denied when the provider reports an error", async () => {
    const browser = new Browser(settings);
    const client = await registerClient(settings);
    const consent = await (await browser.open(client.authorizeUrl)).text();
    const approved = await browser.post("/authorize", {
      handle: formValue(consent, "handle"),
      decision: "approve",
    });
    const callback = await browser.open(idp.decline(location(approved)));
    expect(callback.status).toBe(302);
    const back = new URL(location(callback));
    expect(back.origin + back.pathname).toBe(CLIENT_REDIRECT);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("client-state-1");
    expect(idp.requests.some((r) => r.includes("/token"))).toBe(false);
  });

  it("says which setting is wrong when the issuer does not match discovery", async () => {
    const wrong = { ...settings, OIDC_ISSUER: `${idp.issuer}/` };
    const browser = new Browser(wrong);
    const client = await registerClient(wrong);
    const consent = await (await browser.open(client.authorizeUrl)).text();
    const approved = await browser.post("/authorize", {
      handle: formValue(consent, "handle"),
      decision: "approve",
    });
    expect(approved.status).toBe(502);
    expect(await approved.text()).toContain("Set OIDC_ISSUER to exactly the issuer");
  });

  it("shows a configuration error when the client secret is missing; the fix is in the log", async () => {
    const broken = { ...settings, OIDC_CLIENT_SECRET: undefined };
    const client = await registerClient(broken);
    const { response, log } = await withLog(() => new Browser(broken).open(client.authorizeUrl));
    expect(response.status).toBe(500);
    const html = await response.text();
    expect(html).toContain("Sign-in is not available right now");
    expect(html).not.toContain("OIDC_CLIENT_SECRET");
    expect(log).toContain("wrangler secret put OIDC_CLIENT_SECRET");
  });

  it("has no callback when no provider is configured", async () => {
    const response = await fetchWith({}, "http://localhost:8787/callback?code=x&state=y");
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("No sign-in method is configured");
  });
});

describe("remembered consent", () => {
  const SECRET = "a-consent-secret-that-is-long-enough-0123456789";

  it("skips the consent page for an app this browser approved, with CONSENT_SECRET", async () => {
    const remembering = { ...settings, CONSENT_SECRET: SECRET };
    const browser = new Browser(remembering);
    const client = await registerClient(remembering);
    const first = await signInAtProvider(browser, idp, client, OPERATOR, { remember: true });
    expect(first.consentPage).toContain('name="remember"');
    expect(first.callback.status).toBe(302);

    const again = await browser.open(client.authorizeUrl);
    expect(again.status).toBe(302);
    const callback = await browser.open(idp.authorize(location(again), OPERATOR));
    expect(callback.status).toBe(302);
    const tokens = await redeem(remembering, client, location(callback));
    expect(tokens.scope).toBe("pve:read pve:operate");

    // Another browser, or another app, is asked again.
    expect((await new Browser(remembering).open(client.authorizeUrl)).status).toBe(200);
    const other = await registerClient(remembering);
    expect((await browser.open(other.authorizeUrl)).status).toBe(200);
  });

  it("asks again when the box was unticked", async () => {
    const remembering = { ...settings, CONSENT_SECRET: SECRET };
    const browser = new Browser(remembering);
    const client = await registerClient(remembering);
    await signInAtProvider(browser, idp, client, OPERATOR, { remember: false });
    expect((await browser.open(client.authorizeUrl)).status).toBe(200);
  });

  it("asks every time without CONSENT_SECRET, and offers no box", async () => {
    const browser = new Browser(settings);
    const client = await registerClient(settings);
    const first = await signInAtProvider(browser, idp, client, OPERATOR, { remember: true });
    expect(first.consentPage).not.toContain('name="remember"');
    const again = await browser.open(client.authorizeUrl);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('name="handle"');
  });

  it("refuses a CONSENT_SECRET that is too short to sign with", async () => {
    const weak = { ...settings, CONSENT_SECRET: "short" };
    const client = await registerClient(weak);
    const { response, log } = await withLog(() => new Browser(weak).open(client.authorizeUrl));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("CONSENT_SECRET");
    expect(log).toContain("at least 32 characters");
  });
});
