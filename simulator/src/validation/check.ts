// A port of the parts of PVE::JSONSchema (check_prop / check_object /
// check_type / parse_property_string) that decide whether PVE accepts a
// request. The order of the checks and the error texts follow PVE, so a client
// sees the same 400 answer from the simulator as from a real node.

import { checkNamedFormat } from "./formats";
import { anchoredRegex, wholeValueRegex } from "./perl-regex";
import type { JsonValue, ParamSchema } from "./schema-types";

/** Parameter path -> message, the `errors` member of a PVE 400 answer. */
export type ErrorMap = Record<string, string>;

export interface CheckOptions {
  /**
   * Response mode: JSON types must match exactly (integers are numbers,
   * strings are strings). PVE itself does not care, but a simulator answer
   * with a number as a string would mislead the clients it tests.
   */
  strictJsonTypes?: boolean;
}

/** `undefined` is an absent key; `null` is a key without value (`?foo`), which Perl sees as undef. */
type Value = JsonValue | undefined;

function addError(errors: ErrorMap, path: string, msg: string): void {
  const key = path === "" ? "_root" : path;
  const old = errors[key];
  // PVE joins with a single-quoted '\n', i.e. a literal backslash and n.
  errors[key] = old === undefined ? msg : `${old}\\n${msg}`;
}

function isRecord(v: Value): v is { [key: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Perl's view of a value: a plain scalar, or a reference of some kind. */
function refType(v: JsonValue): string | undefined {
  if (Array.isArray(v)) return "ARRAY";
  if (typeof v === "boolean") return "JSON::PP::Boolean";
  if (isRecord(v)) return "HASH";
  return undefined;
}

function scalarText(v: JsonValue): string {
  return typeof v === "string" ? v : String(v);
}

const INTEGER_RE = /^[+-]?\d+$/;
const NUMBER_RE = /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/;

function checkType(
  path: string,
  type: string | undefined,
  value: JsonValue,
  errors: ErrorMap,
  opts: CheckOptions,
): boolean {
  if (!type || type === "any") return true;
  if (type === "null") {
    if (value !== null) {
      addError(errors, path, `type check ('${type}') failed - value is not null`);
      return false;
    }
    return true;
  }
  const ref = refType(value);
  if (type === "array" || type === "object") {
    if (ref !== (type === "array" ? "ARRAY" : "HASH")) {
      addError(errors, path, `type check ('${type}') failed`);
      return false;
    }
    return true;
  }
  if (ref) {
    if (type === "boolean" && typeof value === "boolean") return true;
    addError(errors, path, `type check ('${type}') failed - got ${ref}`);
    return false;
  }
  const text = scalarText(value);
  if (opts.strictJsonTypes) {
    const ok =
      type === "string"
        ? typeof value === "string"
        : type === "boolean"
          ? value === 0 || value === 1
          : type === "integer"
            ? typeof value === "number" && Number.isInteger(value)
            : type === "number"
              ? typeof value === "number"
              : true;
    if (!ok) {
      addError(errors, path, `type check ('${type}') failed - got ${JSON.stringify(value)}`);
      return false;
    }
    return true;
  }
  if (type === "boolean" && text !== "0" && text !== "1") {
    addError(errors, path, `type check ('${type}') failed - got '${text}'`);
    return false;
  }
  if (type === "integer" && !INTEGER_RE.test(text)) {
    addError(errors, path, `type check ('${type}') failed - got '${text}'`);
    return false;
  }
  if (type === "number" && !NUMBER_RE.test(text)) {
    addError(errors, path, `type check ('${type}') failed - got '${text}'`);
    return false;
  }
  return true;
}

/** Finds the schema for a property name, including indexed ones ("net3" -> "net[n]"). */
export function lookupProperty(
  props: Record<string, ParamSchema>,
  name: string,
): ParamSchema | undefined {
  const direct = props[name];
  if (direct && !direct.indexed) return direct;
  for (const schema of Object.values(props)) {
    if (!schema.indexed || !schema.namePattern) continue;
    if (!anchoredRegex(schema.namePattern).test(name)) continue;
    const index = Number(/(\d+)$/.exec(name)?.[1] ?? Number.NaN);
    if (schema.maxIndex !== undefined && !(index <= schema.maxIndex)) continue;
    return schema;
  }
  return undefined;
}

function parseBoolean(v: string): string | undefined {
  if (/^(1|on|yes|true)$/i.test(v)) return "1";
  if (/^(0|off|no|false)$/i.test(v)) return "0";
  return undefined;
}

/** Thrown by property-string parsing, like PVE's `die "...\n"` / `raise "format error\n"`. */
class FormatError extends Error {
  constructor(
    message: string,
    readonly errors?: ErrorMap,
  ) {
    super(message);
  }

  /** PVE::Exception's stringification: message, then one "key: error" line each. */
  override toString(): string {
    let text = this.message;
    for (const [k, v] of Object.entries(this.errors ?? {})) text += `${k}: ${v}\n`;
    return text;
  }
}

/** parse_property_string: "virtio=AA:..,bridge=vmbr0" -> checked key/value map. */
function checkPropertyString(
  format: Record<string, ParamSchema>,
  data: string,
  path: string,
  opts: CheckOptions,
): void {
  const res: Record<string, JsonValue> = {};
  let defaultKey: string | undefined;
  for (const rawPart of data.split(",")) {
    let part = rawPart;
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/s.exec(part);
    if (kv?.[1] !== undefined && kv[2] !== undefined) {
      let k = kv[1];
      let v = kv[2];
      if (res[k] !== undefined) {
        throw new FormatError(`duplicate key in comma-separated list property: ${k}\n`);
      }
      let schema = format[k];
      if (schema?.alias) {
        if (schema.keyAlias) {
          if (res[schema.keyAlias] !== undefined) {
            throw new FormatError(`key alias '${schema.keyAlias}' is already defined\n`);
          }
          res[schema.keyAlias] = k;
        }
        k = schema.alias;
        schema = format[k];
        if (res[k] !== undefined)
          throw new FormatError(`key '${k}' is already defined (via alias)\n`);
      }
      if (!schema) throw new FormatError(`invalid key in comma-separated list property: ${k}\n`);
      if (schema.type === "boolean") v = parseBoolean(v) ?? v;
      res[k] = v;
    } else if (!part.includes("=")) {
      if (defaultKey) {
        throw new FormatError(`duplicate key in comma-separated list property: ${defaultKey}\n`);
      }
      for (const [key, schema] of Object.entries(format)) {
        if (!schema.default_key) continue;
        defaultKey = key;
        if (res[key] !== undefined) {
          throw new FormatError(`duplicate key in comma-separated list property: ${key}\n`);
        }
        if (schema.type === "boolean") part = parseBoolean(part) ?? part;
        res[key] = part;
        break;
      }
      if (!defaultKey) {
        throw new FormatError("value without key, but schema does not define a default key\n");
      }
    } else {
      throw new FormatError("missing key in comma-separated list property\n");
    }
  }
  const errors: ErrorMap = {};
  // Property strings never allow keys outside their format.
  checkObject(path, format, res, false, errors, { ...opts, strictJsonTypes: false });
  if (Object.keys(errors).length > 0) throw new FormatError("format error\n", errors);
}

/** check_prop for one value. */
export function checkProp(
  value: Value,
  schema: ParamSchema,
  path: string,
  errors: ErrorMap,
  opts: CheckOptions = {},
  instanceType?: string,
): void {
  let optionalForType = false;
  if (schema.oneOf && schema["type-property"]) {
    // Only the variant for the instance type applies; without a type it is optional.
    optionalForType = true;
    for (const variant of schema.oneOf) {
      if (!instanceType) break;
      if (!variant["instance-types"]?.includes(instanceType)) continue;
      optionalForType = variant.optional ?? false;
      checkProp(value, variant, path, errors, opts);
    }
  } else if (schema.oneOf) {
    const collected: ErrorMap = {};
    let valid = false;
    schema.oneOf.forEach((variant, i) => {
      if (valid) return;
      const inner: ErrorMap = {};
      checkProp(value, variant, `${path}.oneOf[${i}]`, inner, opts);
      if (Object.keys(inner).length === 0) valid = true;
      for (const [k, v] of Object.entries(inner)) addError(collected, k, v);
    });
    if (!valid) for (const [k, v] of Object.entries(collected)) addError(errors, k, v);
  } else if (instanceType && schema["instance-types"]) {
    if (!schema["instance-types"].includes(instanceType)) optionalForType = true;
  }

  if (schema.alias) return;

  if (value === undefined || value === null) {
    if (schema.type === "null") return;
    if (!schema.optional && !optionalForType) {
      addError(errors, path, "property is missing and it is not optional");
    }
    return;
  }

  if (!checkType(path, schema.type, value, errors, opts)) return;

  if (Array.isArray(value)) {
    if (schema.items) {
      const items = schema.items;
      value.forEach((el, i) => {
        checkProp(el, items, `${path}[${i}]`, errors, opts);
      });
    }
    return;
  }
  if (isRecord(value)) {
    if (schema.properties || schema.additionalProperties !== undefined) {
      checkObject(path, schema.properties ?? {}, value, schema.additionalProperties, errors, opts);
    }
    return;
  }
  if (typeof value === "boolean") return;

  const text = scalarText(value);
  if (schema.format !== undefined) {
    let err: string | undefined;
    if (typeof schema.format === "string") {
      err = checkNamedFormat(schema.format, text);
    } else {
      try {
        checkPropertyString(schema.format, text, path, opts);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        err = e.toString();
      }
    }
    if (err !== undefined) {
      addError(errors, path, `invalid format - ${err}`);
      return;
    }
  }
  if (schema.pattern !== undefined && !wholeValueRegex(schema.pattern).test(text)) {
    addError(errors, path, "value does not match the regex pattern");
    return;
  }
  // Perl's length() counts characters, not UTF-16 units.
  const length = [...text].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    addError(errors, path, `value may only be ${schema.maxLength} characters long`);
    return;
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    addError(errors, path, `value must be at least ${schema.minLength} characters long`);
    return;
  }
  if (NUMBER_RE.test(text)) {
    const n = Number(text);
    if (schema.maximum !== undefined && n > schema.maximum) {
      addError(errors, path, `value must have a maximum value of ${schema.maximum}`);
      return;
    }
    if (schema.minimum !== undefined && n < schema.minimum) {
      addError(errors, path, `value must have a minimum value of ${schema.minimum}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.some((e) => String(e) === text)) {
    addError(
      errors,
      path,
      `value '${text}' does not have a value in the enumeration '${schema.enum.join(", ")}'`,
    );
  }
}

/** check_object: required keys, unknown keys, `requires`, aliases. */
export function checkObject(
  path: string,
  props: Record<string, ParamSchema>,
  value: Record<string, JsonValue>,
  additional: boolean | ParamSchema | undefined,
  errors: ErrorMap,
  opts: CheckOptions = {},
): void {
  const sub = (k: string) => (path ? `${path}.${k}` : k);

  // Aliased keys are renamed to their target before anything is checked.
  for (const k of Object.keys(value)) {
    const alias = props[k]?.alias;
    if (!alias) continue;
    if (value[alias] !== undefined && value[alias] !== null) {
      addError(errors, sub(k), `cannot set both '${k}' and its alias target '${alias}'`);
    } else {
      const moved = value[k];
      delete value[k];
      if (moved !== undefined) value[alias] = moved;
    }
  }

  const instanceTypeOf = (schema: ParamSchema): string | undefined => {
    const tp = schema["type-property"];
    const t = tp ? value[tp] : undefined;
    return typeof t === "string" ? t : undefined;
  };

  for (const [k, schema] of Object.entries(props)) {
    if (schema.indexed) {
      // Stands for many optional keys (net0, net1, ...): checked per present key below.
      if (
        !schema.optional &&
        !Object.keys(value).some((n) => lookupProperty(props, n) === schema)
      ) {
        addError(errors, sub(k), "property is missing and it is not optional");
      }
      continue;
    }
    checkProp(value[k], schema, sub(k), errors, opts, instanceTypeOf(schema));
  }

  for (const k of Object.keys(value)) {
    const schema = lookupProperty(props, k);
    if (schema) {
      if (schema.indexed) checkProp(value[k], schema, sub(k), errors, opts);
      const requires = schema.requires;
      if (requires && (value[requires] === undefined || value[requires] === null)) {
        addError(errors, sub(requires), `missing property required by '${sub(k)}'`);
      }
      continue;
    }
    if (additional === false || additional === undefined) {
      if (additional === false) {
        addError(
          errors,
          sub(k),
          "property is not defined in schema and the schema does not allow additional properties",
        );
      }
      continue;
    }
    if (typeof additional === "object") checkProp(value[k], additional, sub(k), errors, opts);
  }
}
