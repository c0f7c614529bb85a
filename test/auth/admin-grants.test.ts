import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MockIdp } from "../support/mock-idp";
import {
  Browser,
  type EnvOverrides,
  fetchWith,
  formValue,
  location,
  mcpInitialize,
  OIDC_ORIGIN,
  oidcEnv,
  redeem,
  registerClient,
  signInAtProvider,
} from "../support/oidc-flow";

const ADMIN = { sub: "ada-1", email: "ada@example.com", name: "Ada" };
const OPERATOR = { sub: "op-7", email: "olga@ops.example.com", name: "Olga" };

let idp: MockIdp;
let settings: EnvOverrides;

beforeEach(async () => {
  idp = await MockIdp.create();
  settings = oidcEnv(idp);
  vi.spyOn(globalThis, "fetch").mockImplementation(idp.fetch);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Olga connects an app; returns her token and the grant it belongs to. */
async function operatorConnects() {
  const client = await registerClient(settings, "", "Olga's Claude");
  const { callback } = await signInAtProvider(new Browser(settings), idp, client, OPERATOR);
  const tokens = await redeem(settings, client, location(callback));
  const [userId = "", grantId = ""] = tokens.access_token.split(":");
  return { token: tokens.access_token, userId, grantId };
}

/** Signs `user` in on the grants page; returns the browser and the page it ends on. */
async function openGrantsPage(user: typeof ADMIN, overrides = settings) {
  const browser = new Browser(overrides);
  const start = await browser.open(`${OIDC_ORIGIN}/admin/grants`);
  expect(start.status).toBe(303);
  const callback = await browser.open(idp.authorize(location(start), user));
  return { browser, callback };
}

async function signedInAdmin(overrides = settings) {
  const { browser, callback } = await openGrantsPage(ADMIN, overrides);
  expect(callback.status).toBe(303);
  expect(location(callback)).toBe(`${OIDC_ORIGIN}/admin/grants`);
  const page = await browser.open(`${OIDC_ORIGIN}/admin/grants`);
  expect(page.status).toBe(200);
  return { browser, html: await page.text() };
}

describe("the grants page", () => {
  it("lists an app's grant and revokes it, ending the app's access", async () => {
    const olga = await operatorConnects();
    expect((await mcpInitialize(settings, olga.token)).status).toBe(200);

    const { browser, html } = await signedInAdmin();
    expect(html).toContain("Olga");
    expect(html).toContain("olga@ops.example.com");
    expect(html).toContain("Olga&#39;s Claude");
    expect(html).toContain("<code>pve:operate</code>");
    expect(html).toContain(`value="${olga.grantId}"`);

    const revoked = await browser.post("/admin/grants/revoke", {
      csrf: formValue(html, "csrf"),
      userId: olga.userId,
      grantId: olga.grantId,
    });
    expect(revoked.status).toBe(303);
    expect(location(revoked)).toBe(`${OIDC_ORIGIN}/admin/grants?revoked=1`);
    expect((await mcpInitialize(settings, olga.token)).status).toBe(401);
    const after = await (await browser.open(location(revoked))).text();
    expect(after).toContain("The grant was revoked.");
    expect(after).not.toContain(`value="${olga.grantId}"`);
  });

  it("shows who is no longer on the allow-list", async () => {
    await operatorConnects();
    const removed = { ...settings, OPERATOR_USERS: "" };
    const { html } = await signedInAdmin(removed);
    expect(html).toContain("not on the list any more");
  });

  it("refuses a revoke without the page's CSRF token or from another site", async () => {
    const olga = await operatorConnects();
    const { browser, html } = await signedInAdmin();
    const fields = { userId: olga.userId, grantId: olga.grantId };

    const noToken = await browser.post("/admin/grants/revoke", { ...fields, csrf: "guess" });
    expect(noToken.status).toBe(403);
    const crossSite = await browser.open(`${OIDC_ORIGIN}/admin/grants/revoke`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: "https://evil.example",
      },
      body: new URLSearchParams({ ...fields, csrf: formValue(html, "csrf") }),
    });
    expect(crossSite.status).toBe(403);
    const anonymous = await new Browser(settings).post("/admin/grants/revoke", {
      ...fields,
      csrf: formValue(html, "csrf"),
    });
    expect(anonymous.status).toBe(403);
    expect((await mcpInitialize(settings, olga.token)).status).toBe(200);
  });

  it("lets only admins in", async () => {
    const { callback } = await openGrantsPage(OPERATOR);
    expect(callback.status).toBe(403);
    const html = await callback.text();
    expect(html).toContain("Admins only");
    expect(html).toContain("ADMIN_USERS");
  });

  it("sends an admin back to the provider once they leave ADMIN_USERS or sign out", async () => {
    const { browser, html } = await signedInAdmin();
    // Same session cookie, new settings: the session is re-checked against the list.
    const demoted = browser.withSettings({ ...settings, ADMIN_USERS: "" });
    expect((await demoted.open(`${OIDC_ORIGIN}/admin/grants`)).status).toBe(303);
    expect((await browser.open(`${OIDC_ORIGIN}/admin/grants`)).status).toBe(200);

    const out = await browser.post("/admin/sign-out", { csrf: formValue(html, "csrf") });
    expect(out.status).toBe(200);
    const again = await browser.open(`${OIDC_ORIGIN}/admin/grants`);
    expect(again.status).toBe(303);
    expect(location(again).startsWith(idp.authorizationEndpoint)).toBe(true);
  });

  it("refuses an admin sign-in that fails verification", async () => {
    const browser = new Browser(settings);
    const start = await browser.open(`${OIDC_ORIGIN}/admin/grants`);
    const callback = await browser.open(idp.authorize(location(start), ADMIN, { forge: true }));
    expect(callback.status).toBe(403);
    expect(await callback.text()).toContain("signature does not match");
    expect((await browser.open(`${OIDC_ORIGIN}/admin/grants`)).status).toBe(303);
  });

  it("refuses an admin sign-in finished in another browser", async () => {
    const start = await new Browser(settings).open(`${OIDC_ORIGIN}/admin/grants`);
    const callbackUrl = idp.authorize(location(start), ADMIN);
    const elsewhere = await new Browser(settings).open(callbackUrl);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.getSetCookie().join()).not.toContain("__Host-pve-admin=");
  });

  it("is unavailable without an identity provider", async () => {
    const response = await fetchWith({}, "http://localhost:8787/admin/grants");
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("OIDC_ISSUER");
  });
});
