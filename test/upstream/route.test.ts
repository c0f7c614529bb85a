import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import * as simulatorCredentials from "../../simulator/src/demo-credentials";
import type { Env } from "../../src/env";
import { ProxmoxConfigError } from "../../src/proxmox/errors";
import { pvePath } from "../../src/proxmox/identifiers";
import { DEMO_BASE_URL, DEMO_TOKEN_ID, DEMO_TOKEN_SECRET } from "../../src/upstream/demo";
import { connectProxmox } from "../../src/upstream/route";

const base = env as Env;

describe("route to Proxmox", () => {
  it("uses the demo binding and its credentials when PROXMOX_BASE_URL is unset", async () => {
    expect([DEMO_TOKEN_ID, DEMO_TOKEN_SECRET]).toEqual([
      simulatorCredentials.DEMO_ADMIN_TOKEN_ID,
      simulatorCredentials.DEMO_ADMIN_TOKEN_SECRET,
    ]);
    const client = connectProxmox(base);
    expect(client.apiRoot).toBe(`${DEMO_BASE_URL}/api2/json`);
    const version = await client.get<{ version: string }>(pvePath`/version`);
    expect(version.version).toMatch(/^9\./);
    expect(client.requestCount).toBe(1);
  });

  it("uses configured credentials against the demo instead of the built-in ones", async () => {
    const client = connectProxmox({
      ...base,
      PROXMOX_TOKEN_ID: simulatorCredentials.DEMO_READONLY_TOKEN_ID,
      PROXMOX_TOKEN_SECRET: simulatorCredentials.DEMO_READONLY_TOKEN_SECRET,
    });
    expect(client.authId).toBe(simulatorCredentials.DEMO_READONLY_TOKEN_ID);
  });

  it("goes direct to PROXMOX_BASE_URL when it is set", () => {
    const client = connectProxmox({
      ...base,
      PROXMOX_BASE_URL: "https://pve.example.com:8006",
      PROXMOX_TOKEN_ID: "mcp@pve!claude",
      PROXMOX_TOKEN_SECRET: "s3cret-value",
    });
    expect(client.apiRoot).toBe("https://pve.example.com:8006/api2/json");
  });

  it("says what to set when nothing is configured and there is no demo", () => {
    const { PVE_DEMO: _demo, ...withoutDemo } = base;
    expect(() => connectProxmox(withoutDemo as Env)).toThrow(ProxmoxConfigError);
    expect(() => connectProxmox(withoutDemo as Env)).toThrow(/no Proxmox connection/);
  });

  it("logs a deprecated-name warning once per isolate, without the secret", () => {
    const lines: Record<string, unknown>[] = [];
    const legacy = {
      ...base,
      PROXMOX_BASE_URL: "https://pve.example.com",
      PROXMOX_USER: "mcp@pve",
      PROXMOX_TOKEN_NAME: "claude",
      PROXMOX_TOKEN_VALUE: "legacy-secret-value",
    };
    connectProxmox(legacy, (line) => lines.push(line));
    connectProxmox(legacy, (line) => lines.push(line));
    const warnings = lines.filter((l) => l.event === "config_warning");
    expect(warnings.length).toBeGreaterThan(0);
    expect(new Set(warnings.map((w) => w.warning)).size).toBe(warnings.length);
    expect(JSON.stringify(lines)).not.toContain("legacy-secret-value");
  });
});
