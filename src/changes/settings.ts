import type { Env } from "../env";

/**
 * Deployment switches for changes, read from the environment once per request. Every switch
 * errs on the safe side: a malformed value turns changes off rather than on.
 */
export interface ChangeSettings {
  /** false: read-only mode, no plan or apply tool is registered at all (CHANGES=off). */
  enabled: boolean;
  /** Nodes changes may touch (CHANGE_NODES); empty = all. */
  nodes: readonly string[];
  /** VMIDs changes may touch (CHANGE_VMIDS: "100,200-299"); empty = all. */
  vmids: readonly VmidRange[];
  /** Pools whose guests changes may touch (CHANGE_POOLS); empty = all. */
  pools: readonly string[];
  /** Tags a guest must carry (one of) for changes to touch it (CHANGE_TAGS); empty = all. */
  tags: readonly string[];
  /** Who must approve destructive changes on this server's approval page. */
  approval: ApprovalMode;
  /** Guest commands through the QEMU guest agent (GUEST_COMMANDS=enabled). */
  guestCommands: boolean;
  /** Optional allow-list of command patterns (GUEST_COMMAND_ALLOW, `;`-separated globs). */
  guestCommandPatterns: readonly string[];
  /** Applies one user may make per minute (APPLY_RATE_LIMIT, default 10; 0 = no limit). */
  appliesPerMinute: number;
  /** How long a plan stays valid (PLAN_TTL_SECONDS, 30..3600, default 300). */
  planTtlSeconds: number;
}

/** off: no page; self: the planner approves; four-eyes: another admin approves. */
export type ApprovalMode = "off" | "self" | "four-eyes";

export interface VmidRange {
  from: number;
  to: number;
}

export class ChangeSettingsError extends Error {
  override name = "ChangeSettingsError";
}

function list(value: string | undefined, separator = ","): string[] {
  return (value ?? "")
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function vmidRanges(value: string | undefined): VmidRange[] {
  return list(value).map((item) => {
    const match = /^(\d{3,9})(?:-(\d{3,9}))?$/.exec(item);
    const from = Number(match?.[1]);
    const to = Number(match?.[2] ?? match?.[1]);
    if (!match || to < from) {
      throw new ChangeSettingsError(
        `CHANGE_VMIDS entry "${item.slice(0, 40)}" is not a VMID or range such as 100 or 200-299.`,
      );
    }
    return { from, to };
  });
}

function integer(value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

export type ChangeEnv = Partial<
  Pick<
    Env,
    | "CHANGES"
    | "CHANGE_NODES"
    | "CHANGE_VMIDS"
    | "CHANGE_POOLS"
    | "CHANGE_TAGS"
    | "CHANGE_APPROVAL"
    | "GUEST_COMMANDS"
    | "GUEST_COMMAND_ALLOW"
    | "APPLY_RATE_LIMIT"
    | "PLAN_TTL_SECONDS"
    | "OIDC_ISSUER"
  >
>;

/**
 * The approval page is on by default where people sign in through OIDC (a deployment): there
 * the person can be asked in a browser. Locally (dev sign-in) it is off unless asked for.
 */
function approvalMode(env: ChangeEnv): ApprovalMode {
  const raw = env.CHANGE_APPROVAL?.trim().toLowerCase();
  if (raw === "off" || raw === "self" || raw === "four-eyes") return raw;
  if (raw) {
    throw new ChangeSettingsError(
      `CHANGE_APPROVAL "${raw.slice(0, 20)}" is not off, self or four-eyes.`,
    );
  }
  return env.OIDC_ISSUER?.trim() ? "self" : "off";
}

export function loadChangeSettings(env: ChangeEnv): ChangeSettings {
  const enabled = (env.CHANGES ?? "enabled").trim().toLowerCase() !== "off";
  return {
    enabled,
    nodes: list(env.CHANGE_NODES),
    vmids: vmidRanges(env.CHANGE_VMIDS),
    pools: list(env.CHANGE_POOLS),
    tags: list(env.CHANGE_TAGS).map((tag) => tag.toLowerCase()),
    approval: approvalMode(env),
    guestCommands: env.GUEST_COMMANDS?.trim().toLowerCase() === "enabled",
    guestCommandPatterns: list(env.GUEST_COMMAND_ALLOW, ";"),
    appliesPerMinute: integer(env.APPLY_RATE_LIMIT, 10, 0, 1000),
    planTtlSeconds: integer(env.PLAN_TTL_SECONDS, 300, 30, 3600),
  };
}

/** Settings for tests and the harness: everything allowed, no approval page. */
export const OPEN_CHANGE_SETTINGS: ChangeSettings = {
  enabled: true,
  nodes: [],
  vmids: [],
  pools: [],
  tags: [],
  approval: "off",
  guestCommands: true,
  guestCommandPatterns: [],
  appliesPerMinute: 0,
  planTtlSeconds: 300,
};
