/** Argument names whose values are never stored or logged. */
const SECRET_KEY = /pass(word)?|secret|token|ticket|cookie|key|credential|otp|auth/i;
const MAX_STRING = 200;

/** Plain JSON, which is what the session object stores and returns over RPC. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * A copy of tool arguments safe to keep in the audit trail: values under
 * secret-looking names are replaced and long strings are cut, so a pasted
 * password or a large blob never lands in storage or logs.
 */
export function redactArguments(value: unknown, depth = 0): JsonValue {
  if (depth > 4) return "[nested]";
  if (typeof value === "string") {
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  }
  if (Array.isArray(value))
    return value.slice(0, 50).map((item) => redactArguments(item, depth + 1));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? "[redacted]" : redactArguments(item, depth + 1);
    }
    return out;
  }
  if (typeof value === "number" || typeof value === "boolean") return value;
  return null;
}
