/**
 * Argument names whose values are never stored, logged or echoed. Matched on
 * the name lower-cased with `_`, `-` and `.` removed, so `Password`,
 * `CI_PASSWORD`, `api-key`, `clientSecret` and `sshkeys` all count.
 */
const SECRET_NAME =
  /pass(word|phrase)?|secret|token|ticket|cookie|key|credential|otp|auth|private|bearer|jwt|pin$/;
const MAX_STRING = 200;
/** Values shorter than this are not scrubbed from text: "1" or "on" would mangle it. */
const MIN_SCRUB_LENGTH = 3;
export const REDACTED = "[redacted]";

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name.toLowerCase().replace(/[-_.]/g, ""));
}

/** Plain JSON, which is what the session object stores and returns over RPC. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * A `{ name: "cipassword", value: "…" }` pair, the other way secrets arrive
 * (option lists, environment variables): its value is secret by the name it
 * carries, not by its own key.
 */
function pairValueKey(object: Record<string, unknown>): string | undefined {
  const label = object.name ?? object.key ?? object.option ?? object.param;
  if (typeof label !== "string" || !isSecretName(label)) return undefined;
  return "value" in object ? "value" : undefined;
}

/**
 * A copy of tool arguments safe to keep in the audit trail: values under
 * secret-looking names (at any depth, any case, and in name/value pairs) are
 * replaced and long strings are cut, so a pasted password or a large blob
 * never lands in storage or logs.
 */
export function redactArguments(value: unknown, depth = 0): JsonValue {
  if (depth > 4) return "[nested]";
  if (typeof value === "string") {
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  }
  if (Array.isArray(value))
    return value.slice(0, 50).map((item) => redactArguments(item, depth + 1));
  if (typeof value === "object" && value !== null) {
    const object = value as Record<string, unknown>;
    const pairValue = pairValueKey(object);
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(object)) {
      out[key] =
        isSecretName(key) || key === pairValue ? REDACTED : redactArguments(item, depth + 1);
    }
    return out;
  }
  if (typeof value === "number" || typeof value === "boolean") return value;
  return null;
}

/** Every value given under a secret-looking name, at any depth, as text. */
export function secretValues(value: unknown, depth = 0, out: string[] = []): string[] {
  if (depth > 8 || typeof value !== "object" || value === null) return out;
  if (Array.isArray(value)) {
    for (const item of value) secretValues(item, depth + 1, out);
    return out;
  }
  const object = value as Record<string, unknown>;
  const pairValue = pairValueKey(object);
  for (const [key, item] of Object.entries(object)) {
    if (isSecretName(key) || key === pairValue) collect(item, out);
    else secretValues(item, depth + 1, out);
  }
  return out;
}

function collect(value: unknown, out: string[]): void {
  if (typeof value === "string" || typeof value === "number") out.push(String(value));
  else if (Array.isArray(value)) for (const item of value) collect(item, out);
  else if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) collect(item, out);
  }
}

/**
 * Removes the values of secret-named arguments from a text we did not write
 * (an upstream error that echoes a parameter, say), in plain and URL-encoded
 * spelling, longest first so a value that contains another goes whole.
 */
export function scrubSecretValues(text: string, args: unknown): string {
  const values = [...new Set(secretValues(args))]
    .filter((value) => value.length >= MIN_SCRUB_LENGTH)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) {
    out = out.split(value).join(REDACTED);
    for (const encoded of [
      encodeURIComponent(value),
      new URLSearchParams({ v: value }).toString().slice(2),
    ]) {
      if (encoded !== value) out = out.split(encoded).join(REDACTED);
    }
  }
  return out;
}
