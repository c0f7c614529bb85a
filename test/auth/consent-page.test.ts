import { describe, expect, it } from "vitest";
import { consentPage } from "../../src/auth/consent-page";

const details = (scope: string[]) => ({
  clientId: "c1",
  clientName: "Claude",
  redirectUri: "https://claude.ai/api/mcp/auth_callback",
  redirectHost: "claude.ai",
  redirectIsLoopback: false,
  scope,
});

describe("the consent page", () => {
  it("says in words the most a client's scopes can give, and that the person's role caps it", () => {
    const upstream = { provider: "Cloudflare Access", canRemember: false };
    const all = consentPage({
      details: details(["pve:read", "pve:operate", "pve:admin"]),
      handle: "h",
      devSignIn: false,
      defaultRole: "viewer",
      upstream,
    });
    expect(all).toMatch(/at most the <strong>admin<\/strong> role \(also create, clone/);
    expect(all).toMatch(/lower of that and your own role/);
    const read = consentPage({
      details: details(["pve:read"]),
      handle: "h",
      devSignIn: false,
      defaultRole: "viewer",
      upstream,
    });
    expect(read).toMatch(
      /at most the <strong>viewer<\/strong> role \(read everything, change nothing\)/,
    );
  });
});
