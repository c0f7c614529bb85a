import { describe, expect, it } from "vitest";
import { isProxmoxConfigured, loadProxmoxConfig } from "../../src/proxmox/config";
import { ProxmoxConfigError } from "../../src/proxmox/errors";

const SECRET = "5f9a1b2c-0000-4d1e-9abc-def012345678";
const PASSWORD = "correct horse battery staple";

const token = {
  PROXMOX_BASE_URL: "https://pve.example.com:8006",
  PROXMOX_TOKEN_ID: "mcp@pve!worker",
  PROXMOX_TOKEN_SECRET: SECRET,
};

function configError(env: Record<string, unknown>): ProxmoxConfigError {
  try {
    loadProxmoxConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ProxmoxConfigError);
    const configError = error as ProxmoxConfigError;
    expect(configError.kind).toBe("config");
    // Whatever went wrong, no secret value is repeated back.
    for (const text of [configError.message, configError.hint, JSON.stringify(configError)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(PASSWORD);
    }
    return configError;
  }
  throw new Error("expected a ProxmoxConfigError");
}

describe("base URL", () => {
  it("normalizes and derives the API root", () => {
    const config = loadProxmoxConfig({
      ...token,
      PROXMOX_BASE_URL: "https://pve.example.com:8006/",
    });
    expect(config.baseUrl).toBe("https://pve.example.com:8006");
    expect(config.apiRoot).toBe("https://pve.example.com:8006/api2/json");
    expect(config.timeoutMs).toBe(15_000);
    expect(config.warnings).toEqual([]);
  });

  it("keeps a path prefix and removes a pasted /api2/json with a warning", () => {
    const config = loadProxmoxConfig({
      ...token,
      PROXMOX_BASE_URL: "https://gw.example.com/pve/api2/json/",
    });
    expect(config.apiRoot).toBe("https://gw.example.com/pve/api2/json");
    expect(config.warnings.join(" ")).toMatch(/should not end in \/api2\/json/);
  });

  it("allows plain http only on loopback", () => {
    expect(loadProxmoxConfig({ ...token, PROXMOX_BASE_URL: "http://localhost:8006" }).baseUrl).toBe(
      "http://localhost:8006",
    );
    expect(loadProxmoxConfig({ ...token, PROXMOX_BASE_URL: "http://127.0.0.1:8006" }).baseUrl).toBe(
      "http://127.0.0.1:8006",
    );
    expect(loadProxmoxConfig({ ...token, PROXMOX_BASE_URL: "http://[::1]:8006" }).baseUrl).toBe(
      "http://[::1]:8006",
    );
    const error = configError({ ...token, PROXMOX_BASE_URL: "http://pve.example.com:8006" });
    expect(error.variables).toEqual(["PROXMOX_BASE_URL"]);
    expect(error.message).toMatch(/must use https/);
  });

  it("rejects missing, malformed and credential-bearing URLs without echoing them", () => {
    expect(configError({ PROXMOX_TOKEN_ID: "a@pam!b", PROXMOX_TOKEN_SECRET: SECRET }).message).toBe(
      "PROXMOX_BASE_URL is not set.",
    );
    expect(configError({ ...token, PROXMOX_BASE_URL: "pve.example.com" }).message).toMatch(
      /not a valid URL/,
    );
    expect(configError({ ...token, PROXMOX_BASE_URL: "ftp://pve.example.com" }).message).toMatch(
      /https/,
    );
    const withPassword = configError({
      ...token,
      PROXMOX_BASE_URL: `https://root:${encodeURIComponent(PASSWORD)}@pve.example.com`,
    });
    expect(withPassword.message).toMatch(/must not contain a user name or password/);
    expect(
      configError({ ...token, PROXMOX_BASE_URL: "https://pve.example.com/?a=1" }).message,
    ).toMatch(/query string/);
  });

  it("isProxmoxConfigured tells the demo case apart", () => {
    expect(isProxmoxConfigured({})).toBe(false);
    expect(isProxmoxConfigured({ PROXMOX_BASE_URL: "  " })).toBe(false);
    expect(isProxmoxConfigured(token)).toBe(true);
  });
});

describe("API token", () => {
  it("reads PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET", () => {
    const config = loadProxmoxConfig(token);
    expect(config.auth).toEqual({ kind: "token", tokenId: "mcp@pve!worker", secret: SECRET });
  });

  it("ignores bindings and other non-string values in the env record", () => {
    const config = loadProxmoxConfig({ ...token, PVE_DEMO: { fetch() {} }, PROXMOX_OTP: 42 });
    expect(config.auth.kind).toBe("token");
  });

  it.each([
    "mcp@pve",
    "mcp!worker",
    "mcp@pve!",
    "mcp@pve!1worker",
    "m cp@pve!worker",
    "mcp@pve!worker=secret",
    `mcp@pve!worker=${SECRET}`,
    "mcp@p!worker",
  ])("rejects the token id %j without echoing it", (tokenId) => {
    const error = configError({ ...token, PROXMOX_TOKEN_ID: tokenId });
    expect(error.variables).toEqual(["PROXMOX_TOKEN_ID"]);
    expect(error.message).toBe("PROXMOX_TOKEN_ID is not a valid API token id.");
    expect(error.hint).toMatch(/user@realm!tokenname/);
  });

  it("names the missing half", () => {
    expect(
      configError({ PROXMOX_BASE_URL: token.PROXMOX_BASE_URL, PROXMOX_TOKEN_ID: "a@pam!b" })
        .variables,
    ).toEqual(["PROXMOX_TOKEN_SECRET"]);
    expect(
      configError({ PROXMOX_BASE_URL: token.PROXMOX_BASE_URL, PROXMOX_TOKEN_SECRET: SECRET })
        .variables,
    ).toEqual(["PROXMOX_TOKEN_ID"]);
  });

  it("rejects a secret with whitespace inside", () => {
    const error = configError({ ...token, PROXMOX_TOKEN_SECRET: `${SECRET} x` });
    expect(error.variables).toEqual(["PROXMOX_TOKEN_SECRET"]);
  });

  it("accepts the older PROXMOX_USER / TOKEN_NAME / TOKEN_VALUE names with a warning", () => {
    const config = loadProxmoxConfig({
      PROXMOX_BASE_URL: token.PROXMOX_BASE_URL,
      PROXMOX_USER: "mcp@pve",
      PROXMOX_TOKEN_NAME: "worker",
      PROXMOX_TOKEN_VALUE: SECRET,
    });
    expect(config.auth).toEqual({ kind: "token", tokenId: "mcp@pve!worker", secret: SECRET });
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]).toMatch(/deprecated: set PROXMOX_TOKEN_ID=mcp@pve!worker/);
    expect(config.warnings[0]).toMatch(/PROXMOX_TOKEN_SECRET/);
    expect(config.warnings.join("\n")).not.toContain(SECRET);
  });

  it("says which older name is missing", () => {
    const error = configError({
      PROXMOX_BASE_URL: token.PROXMOX_BASE_URL,
      PROXMOX_TOKEN_NAME: "worker",
      PROXMOX_TOKEN_VALUE: SECRET,
    });
    expect(error.variables).toEqual(["PROXMOX_USER"]);
    expect(error.message).toMatch(/PROXMOX_USER not set/);
  });

  it("prefers the token when a password is configured too", () => {
    const config = loadProxmoxConfig({
      ...token,
      PROXMOX_USERNAME: "root",
      PROXMOX_PASSWORD: PASSWORD,
    });
    expect(config.auth.kind).toBe("token");
    expect(config.warnings.join(" ")).toMatch(/using the API token/);
  });
});

describe("user and password", () => {
  const base = { PROXMOX_BASE_URL: "https://pve.example.com:8006" };

  it("defaults the realm to pam", () => {
    const config = loadProxmoxConfig({
      ...base,
      PROXMOX_USERNAME: "root",
      PROXMOX_PASSWORD: PASSWORD,
    });
    expect(config.auth).toEqual({ kind: "ticket", username: "root@pam", password: PASSWORD });
  });

  it("uses PROXMOX_REALM, or the realm in the user name", () => {
    expect(
      loadProxmoxConfig({
        ...base,
        PROXMOX_USERNAME: "alice",
        PROXMOX_REALM: "pve",
        PROXMOX_PASSWORD: PASSWORD,
      }).auth,
    ).toMatchObject({ username: "alice@pve" });
    const config = loadProxmoxConfig({
      ...base,
      PROXMOX_USERNAME: "alice@ldap",
      PROXMOX_REALM: "pve",
      PROXMOX_PASSWORD: PASSWORD,
    });
    expect(config.auth).toMatchObject({ username: "alice@ldap" });
    expect(config.warnings.join(" ")).toMatch(/PROXMOX_REALM is ignored/);
  });

  it("passes an OTP through", () => {
    const config = loadProxmoxConfig({
      ...base,
      PROXMOX_USERNAME: "root@pam",
      PROXMOX_PASSWORD: PASSWORD,
      PROXMOX_OTP: "123456",
    });
    expect(config.auth).toMatchObject({ kind: "ticket", otp: "123456" });
    // ...and warns that a one-time code cannot serve every future login.
    expect(config.warnings.join(" ")).toMatch(/PROXMOX_OTP .*use an API token/);
    expect(config.warnings.join(" ")).not.toContain("123456");
  });

  it("names what is missing or malformed", () => {
    expect(configError({ ...base, PROXMOX_USERNAME: "root" }).variables).toEqual([
      "PROXMOX_PASSWORD",
    ]);
    expect(configError({ ...base, PROXMOX_PASSWORD: "x" }).variables).toEqual(["PROXMOX_USERNAME"]);
    expect(
      configError({ ...base, PROXMOX_USERNAME: "ro ot", PROXMOX_PASSWORD: "x" }).variables,
    ).toEqual(["PROXMOX_USERNAME"]);
    expect(
      configError({ ...base, PROXMOX_USERNAME: "root", PROXMOX_REALM: "p", PROXMOX_PASSWORD: "x" })
        .variables,
    ).toEqual(["PROXMOX_REALM"]);
  });

  it("asks for credentials when none are set", () => {
    const error = configError(base);
    expect(error.message).toBe("No Proxmox credentials are configured.");
    expect(error.hint).toMatch(/PROXMOX_TOKEN_ID .* PROXMOX_TOKEN_SECRET/);
  });
});

describe("timeout", () => {
  it("reads PROXMOX_TIMEOUT_MS", () => {
    expect(loadProxmoxConfig({ ...token, PROXMOX_TIMEOUT_MS: "30000" }).timeoutMs).toBe(30_000);
  });

  it.each(["0", "-1", "abc", "1.5", "300001"])("rejects %j", (value) => {
    expect(configError({ ...token, PROXMOX_TIMEOUT_MS: value }).variables).toEqual([
      "PROXMOX_TIMEOUT_MS",
    ]);
  });
});
