import { describe, expect, it } from "vitest";
import { loadAllowList, roleFor } from "../../src/auth/allow-list";
import { loadSignInSettings } from "../../src/auth/sign-in-config";
import { ConfigError } from "../../src/config";

const list = loadAllowList({
  ADMIN_USERS: "ada@example.com, 5f1c-admin-subject",
  OPERATOR_USERS: "*@ops.example.com\nbob@example.com",
  VIEWER_USERS: " ada@example.com ,, *@example.com ",
});

describe("allow-list", () => {
  it.each([
    ["an admin by email, whatever its case", { subject: "s1", email: "ADA@example.com" }, "admin"],
    ["an admin by subject, without email", { subject: "5f1c-admin-subject" }, "admin"],
    ["an operator by domain", { subject: "s2", email: "olga@ops.example.com" }, "operator"],
    ["an operator by address", { subject: "s3", email: "bob@example.com" }, "operator"],
    ["a viewer by domain", { subject: "s4", email: "vic@example.com" }, "viewer"],
  ] as const)("finds %s", (_label, user, role) => {
    expect(roleFor(list, user)).toBe(role);
  });

  it.each([
    ["someone at another domain", { subject: "s5", email: "eve@example.org" }],
    ["a lookalike domain", { subject: "s6", email: "eve@evil-example.com" }],
    ["a subdomain of a listed domain", { subject: "s7", email: "eve@sub.ops.example.com" }],
    ["an email given as a subject", { subject: "ada@example.com" }],
    ["no email and an unknown subject", { subject: "s8" }],
  ])("refuses %s", (_label, user) => {
    expect(roleFor(list, user)).toBeUndefined();
  });

  it("gives the highest role when someone is on several lists", () => {
    expect(roleFor(list, { subject: "x", email: "ada@example.com" })).toBe("admin");
  });

  it("is empty without variables", () => {
    expect(roleFor(loadAllowList({}), { subject: "anyone", email: "a@b.c" })).toBeUndefined();
  });
});

describe("sign-in settings", () => {
  const origin = "https://mcp.example.com";
  const oidc = {
    OIDC_ISSUER: "https://team.cloudflareaccess.com/cdn-cgi/access/sso/oidc/abc",
    OIDC_CLIENT_ID: "abc",
    OIDC_CLIENT_SECRET: "secret",
  };

  it("has no provider when OIDC_ISSUER is unset", () => {
    expect(loadSignInSettings({}, origin).oidc).toBeUndefined();
  });

  it("defaults the scopes and derives the redirect URI from PUBLIC_ORIGIN", () => {
    expect(loadSignInSettings(oidc, origin).oidc).toEqual({
      issuer: oidc.OIDC_ISSUER,
      clientId: "abc",
      clientSecret: "secret",
      scopes: ["openid", "email", "profile"],
      redirectUri: "https://mcp.example.com/callback",
      // Cloudflare Access asserts only emails its own identity providers verified.
      trustEmail: true,
    });
    expect(
      loadSignInSettings({ ...oidc, OIDC_SCOPES: "email groups" }, origin).oidc?.scopes,
    ).toEqual(["openid", "email", "groups"]);
  });

  it("trusts unconfirmed emails only from Cloudflare Access or when told to", () => {
    const generic = { ...oidc, OIDC_ISSUER: "https://idp.example.com/realms/main" };
    expect(loadSignInSettings(generic, origin).oidc?.trustEmail).toBe(false);
    expect(
      loadSignInSettings({ ...generic, OIDC_TRUST_EMAIL: "true" }, origin).oidc?.trustEmail,
    ).toBe(true);
  });

  it.each([
    [{ ...oidc, OIDC_CLIENT_SECRET: "" }, "wrangler secret put OIDC_CLIENT_SECRET"],
    [{ ...oidc, OIDC_CLIENT_ID: " " }, "OIDC_CLIENT_ID is not"],
    [{ OIDC_CLIENT_ID: "abc" }, "OIDC_ISSUER is not"],
    [{ ...oidc, OIDC_ISSUER: "http://idp.example.com" }, "https"],
    [{ ...oidc, OIDC_ISSUER: "not a url" }, "is not a URL"],
    [{ CONSENT_SECRET: "too-short" }, "at least 32 characters"],
  ])("explains a mistake (%#)", (env, message) => {
    expect(() => loadSignInSettings(env, origin)).toThrow(ConfigError);
    expect(() => loadSignInSettings(env, origin)).toThrow(message);
  });
});
