/**
 * Parameter encoding the way PVE's API server parses it.
 *
 * PVE reads GET/DELETE parameters from the query string and POST/PUT parameters from an
 * `application/x-www-form-urlencoded` body. Its validator only accepts `0`/`1` for booleans
 * (`true` is a 400), array parameters arrive as the same key repeated, and integers must match
 * `^[+-]?\d+$` — so `1e+21` style number formatting would be rejected.
 */

import { ProxmoxError } from "./errors";

export type PveScalar = string | number | boolean;
export type PveParamValue = PveScalar | readonly PveScalar[];
/** Request parameters; `undefined` values are left out. */
export type PveParams = Readonly<Record<string, PveParamValue | undefined>>;

function invalidParameter(key: string, problem: string): never {
  throw new ProxmoxError({
    kind: "invalid_parameters",
    message: `Parameter '${key}' ${problem}; nothing was sent to Proxmox.`,
    hint: "Fix the parameter value and try again.",
    fieldErrors: { [key]: problem },
  });
}

export function encodeScalar(key: string, value: PveScalar): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) invalidParameter(key, "must be a finite number");
    // Integers beyond 1e21 would otherwise print in exponent notation.
    if (Number.isInteger(value)) return BigInt(value).toString();
    return String(value);
  }
  return value;
}

/** Encodes params as PVE expects them, in insertion order. */
export function encodeParams(params: PveParams | undefined): URLSearchParams {
  const out = new URLSearchParams();
  if (params === undefined) return out;
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value as readonly PveScalar[]) out.append(key, encodeScalar(key, item));
    } else {
      out.append(key, encodeScalar(key, value as PveScalar));
    }
  }
  return out;
}
