/**
 * Argument schemas with errors that say what is wrong and how to fix it. Every free-text
 * argument is bounded, so a hostile megabyte string is refused before any request and never
 * echoed back.
 */

import * as z from "zod";

/** The issue z hands an error function (the fields used here). */
interface Issue {
  code?: string;
  input?: unknown;
  expected?: string;
  minimum?: unknown;
  maximum?: unknown;
  origin?: string;
  values?: readonly unknown[];
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "a whole number" : "a fraction";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "an array",
};

/** What is wrong with the value, e.g. "must be a string, not a number". */
function problem(iss: Issue): string {
  const got = kindOf(iss.input);
  switch (iss.code) {
    case "invalid_type":
      return `must be ${EXPECTED[iss.expected ?? ""] ?? iss.expected}, not ${got}`;
    case "too_small":
      return iss.origin === "string"
        ? `must have at least ${String(iss.minimum)} character${iss.minimum === 1 ? "" : "s"}`
        : `must be at least ${String(iss.minimum)}`;
    case "too_big":
      return iss.origin === "string"
        ? `must have at most ${String(iss.maximum)} characters`
        : `must be at most ${String(iss.maximum)}`;
    case "invalid_value":
      return `must be one of: ${(iss.values ?? []).map(String).join(", ")}`;
    case "invalid_format":
      return "has the wrong format";
    default:
      return "is not valid";
  }
}

/**
 * An error function for z: "<name> is required: <how>" when the argument is missing, else
 * "<name> <what is wrong>: <how>". `how` says what a good value looks like.
 */
export function argError(name: string, how: string) {
  return (iss: Issue): string => {
    if (iss.input === undefined) return `${name} is required: ${how}`;
    // The accepted values say it all.
    if (iss.code === "invalid_value") return `${name} ${problem(iss)}`;
    return `${name} ${problem(iss)}: ${how}`;
  };
}

/** A bounded string argument with helpful errors. */
export function textArg(name: string, how: string, max: number, min = 1): z.ZodString {
  return z
    .string({ error: argError(name, how) })
    .min(min)
    .max(max);
}

/** Longest node name (a DNS label). */
export const NODE_MAX = 63;
/** Longest guest name accepted: PVE names are DNS names, far shorter in practice. */
export const GUEST_NAME_MAX = 128;
/** Longest storage id accepted (the identifier module refuses longer ones too). */
export const STORAGE_MAX = 100;

const NODE_HOW = "a node name such as pve1, case-sensitive (cluster_overview lists them)";

/** A node name argument (required; add `.optional()` where it is not). */
export function nodeNameArg(name = "node"): z.ZodString {
  return textArg(name, NODE_HOW, NODE_MAX);
}

/** A storage id argument. */
export function storageArg(name = "storage"): z.ZodString {
  return textArg(
    name,
    "a storage id such as local or local-lvm (list_storage lists them)",
    STORAGE_MAX,
  );
}

/** A VMID argument. */
export function vmidArg(name = "vmid"): z.ZodNumber {
  return z
    .number({ error: argError(name, "a VMID, a whole number from 100 to 999999999, e.g. 100") })
    .int()
    .min(100)
    .max(999_999_999);
}

/** A boolean argument. */
export function flagArg(name: string): z.ZodBoolean {
  return z.boolean({ error: argError(name, "true or false") });
}

/** Cuts user input for an error message, so nothing long is echoed back. */
export function shown(value: string, max = 40): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
