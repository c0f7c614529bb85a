import type { Env } from "../env";
import type { PveFetcher } from "../proxmox/client";
import type { EnvRecord } from "../proxmox/config";
import { ProxmoxConfigError } from "../proxmox/errors";

/** The ways the Worker can reach Proxmox (`PROXMOX_ROUTE`). */
export const ROUTE_NAMES = ["direct", "vpc", "access", "mtls", "demo"] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export function isRouteName(value: string): value is RouteName {
  return (ROUTE_NAMES as readonly string[]).includes(value);
}

/** What one route contributes to a Proxmox client. */
export interface UpstreamRoute {
  name: RouteName;
  /** The settings `loadProxmoxConfig` reads (the demo route fills in its own URL and token). */
  env: EnvRecord;
  /** Carries every request: global fetch or a binding. */
  fetcher: PveFetcher;
  /** Sent with every request (the Access service token). The values are secrets. */
  extraHeaders?: Record<string, string>;
  /** Remarks to log once per isolate. Never contain a secret. */
  warnings: string[];
}

export function envRecord(env: Env): EnvRecord {
  return env as unknown as EnvRecord;
}

/** A trimmed, non-empty string variable, or undefined. */
export function readVar(env: Env, name: keyof Env): string | undefined {
  const value: unknown = env[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** PROXMOX_BASE_URL, which every route but the demo needs; the hint says what it means there. */
export function requireBaseUrl(env: Env, route: RouteName, hint: string): string {
  const value = readVar(env, "PROXMOX_BASE_URL");
  if (value === undefined) {
    throw new ProxmoxConfigError(
      ["PROXMOX_BASE_URL"],
      `PROXMOX_ROUTE is "${route}" but PROXMOX_BASE_URL is not set.`,
      hint,
    );
  }
  return value;
}

/** A binding the route cannot work without; the hint says how to add it. */
export function requireBinding(
  binding: Fetcher | undefined,
  name: string,
  route: RouteName,
  hint: string,
): Fetcher {
  if (binding === undefined || typeof binding.fetch !== "function") {
    throw new ProxmoxConfigError(
      [name],
      `PROXMOX_ROUTE is "${route}" but the Worker has no ${name} binding.`,
      hint,
    );
  }
  return binding;
}

/** The port written in a URL, or undefined when it is the scheme's default (or unparsable). */
export function explicitPort(baseUrl: string): number | undefined {
  if (!URL.canParse(baseUrl)) return undefined;
  const port = new URL(baseUrl).port;
  return port === "" ? undefined : Number(port);
}
