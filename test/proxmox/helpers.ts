import { ProxmoxClient, type ProxmoxClientOptions } from "../../src/proxmox/client";
import type { ProxmoxAuth } from "../../src/proxmox/config";
import { TicketCache } from "../../src/proxmox/ticket";
import type { RecordingFetcher } from "./fake-fetcher";

export const BASE_URL = "https://pve.example.com:8006";
export const API_ROOT = `${BASE_URL}/api2/json`;
export const TOKEN_SECRET = "0b7c1e2d-3f40-4a5b-8c9d-e0f1a2b3c4d5";
export const PASSWORD = "hunter2-but-longer";
export const TICKET = "PVE:root@pam:6553F00D::c2lnbmF0dXJlK3dpdGgvc2xhc2hlcz0=";
export const CSRF = "6553F00D:Y3NyZi10b2tlbi12YWx1ZQ";

export const tokenAuth: ProxmoxAuth = {
  kind: "token",
  tokenId: "mcp@pve!worker",
  secret: TOKEN_SECRET,
};

export const ticketAuth: ProxmoxAuth = {
  kind: "ticket",
  username: "root@pam",
  password: PASSWORD,
};

/** A client with its own ticket cache and no retry pause, so tests stay independent and fast. */
export function makeClient(
  fetcher: RecordingFetcher,
  overrides: Partial<Omit<ProxmoxClientOptions, "fetcher">> & { auth?: ProxmoxAuth } = {},
): ProxmoxClient {
  const { auth, ...rest } = overrides;
  return new ProxmoxClient({
    config: { baseUrl: BASE_URL, auth: auth ?? tokenAuth },
    fetcher,
    ticketCache: new TicketCache(),
    retryDelayMs: 0,
    ...rest,
  });
}

/** Every string a caller could end up logging for this error. */
export function renderings(error: unknown): string[] {
  const out = [String(error), JSON.stringify(error)];
  if (error instanceof Error) {
    out.push(error.message, error.stack ?? "");
    if ("hint" in error) out.push(String(error.hint));
  }
  return out;
}

export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}
