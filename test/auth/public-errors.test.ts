import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  DEMO_READONLY_TOKEN_ID,
  DEMO_READONLY_TOKEN_SECRET,
} from "../../simulator/src/demo-credentials";
import { MockIdp } from "../support/mock-idp";
import {
  Browser,
  type EnvOverrides,
  fetchWith,
  location,
  OIDC_ORIGIN,
  oidcEnv,
} from "../support/oidc-flow";
import { MCP_URL, ORIGIN, workerFetch } from "../support/worker-fetch";

/** Log lines the Worker printed while `run` ran (it logs JSON lines with console.log). */
async function logged(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((text: unknown) => {
    try {
      lines.push(JSON.parse(String(text)) as Record<string, unknown>);
    } catch {
      // not one of ours
    }
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

const ADMIN = { sub: "ada-1", email: "ada@example.com", name: "Ada" };
const OPERATOR = { sub: "op-7", email: "olga@ops.example.com", name: "Olga" };

let idp: MockIdp;
let settings: EnvOverrides;
/** Proxmox refuses the token: /healthz fails with auth_failed. */
let refused: EnvOverrides;

beforeEach(async () => {
  idp = await MockIdp.create();
  settings = oidcEnv(idp);
  refused = {
    ...settings,
    PROXMOX_TOKEN_ID: DEMO_READONLY_TOKEN_ID,
    PROXMOX_TOKEN_SECRET: `${DEMO_READONLY_TOKEN_SECRET.slice(0, -4)}0000`,
  };
  vi.spyOn(globalThis, "fetch").mockImplementation(idp.fetch);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("what strangers learn from errors", () => {
  it("a broken sign-in configuration: a reference, the details only in the log", async () => {
    const broken = { ...settings, OIDC_CLIENT_SECRET: undefined };
    let response: Response | undefined;
    const lines = await logged(async () => {
      response = await fetchWith(broken, `${OIDC_ORIGIN}/authorize?client_id=x`);
    });
    const html = (await response?.text()) ?? "";
    expect(response?.status).toBe(500);
    expect(html).not.toContain("OIDC_CLIENT_SECRET");
    expect(html).not.toContain("OIDC_ISSUER");
    const ref = /reference ([0-9a-f]{10})/.exec(html)?.[1];
    expect(ref).toBeDefined();
    expect(lines).toContainEqual(
      expect.objectContaining({
        event: "config_error",
        ref,
        error: expect.stringContaining("OIDC_CLIENT_SECRET"),
      }),
    );
  });

  it("/healthz: only that Proxmox is unavailable, with a reference to the log line", async () => {
    let response: Response | undefined;
    const lines = await logged(async () => {
      response = await fetchWith(refused, `${OIDC_ORIGIN}/healthz`);
    });
    const text = (await response?.text()) ?? "";
    const body = JSON.parse(text) as { ok: boolean; proxmox: string; ref: string };
    expect(response?.status).toBe(503);
    expect(body).toEqual({ ok: false, proxmox: "unavailable", ref: expect.any(String) });
    expect(text).not.toContain("auth_failed");
    expect(text).not.toContain(DEMO_READONLY_TOKEN_ID);
    expect(lines).toContainEqual(
      expect.objectContaining({ event: "healthz", proxmox: "auth_failed", ref: body.ref }),
    );
  });

  it("/healthz tells a signed-in admin the precise state, and a non-admin nothing more", async () => {
    const admin = new Browser(refused);
    const start = await admin.open(`${OIDC_ORIGIN}/admin/grants`);
    expect((await admin.open(idp.authorize(location(start), ADMIN))).status).toBe(303);
    const forAdmin = await (await admin.open(`${OIDC_ORIGIN}/healthz`)).json();
    expect(forAdmin).toMatchObject({ ok: false, proxmox: "auth_failed" });

    const operator = new Browser(refused);
    // Signed in through a change page (which admits anyone on the allow-list), not as an admin.
    const begin = await operator.open(`${OIDC_ORIGIN}/changes/plan_${"a".repeat(24)}`);
    expect((await operator.open(idp.authorize(location(begin), OPERATOR))).status).toBe(303);
    const forOperator = await (await operator.open(`${OIDC_ORIGIN}/healthz`)).json();
    expect(forOperator).toMatchObject({ ok: false, proxmox: "unavailable" });
  });
});

describe("the landing page", () => {
  it("locally: the demo cluster, how to connect and how to sign in", async () => {
    vi.restoreAllMocks();
    const html = await (await workerFetch(`${ORIGIN}/`)).text();
    expect(html).toContain("demo cluster");
    expect(html).toContain(`<code>${MCP_URL}</code>`);
    expect(html).toContain("npm run inspect");
    expect(html).toContain("development sign-in");
    expect(html).not.toContain("Settings → Connectors");
  });

  it("deployed: what claude.ai needs, and no configuration", async () => {
    const response = await fetchWith(settings, `${OIDC_ORIGIN}/`);
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
    const html = await response.text();
    expect(html).toContain(`<code>${OIDC_ORIGIN}/mcp</code>`);
    expect(html).toContain("Settings → Connectors");
    expect(html).not.toContain("demo cluster");
    expect(html).not.toContain("development sign-in");
    expect(html).not.toContain("OIDC_");
  });
});

describe("the grants page without an identity provider", () => {
  it("says how to try it: what to register and which variables to set", async () => {
    vi.restoreAllMocks();
    const response = await workerFetch(`${ORIGIN}/admin/grants`);
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain("http://localhost:8787/callback");
    for (const name of ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "ADMIN_USERS"]) {
      expect(html).toContain(name);
    }
  });
});
