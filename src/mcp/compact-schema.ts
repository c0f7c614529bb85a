import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import type { z } from "zod";

type Json = Record<string, unknown>;

/**
 * Every tools/list is read into the model's context, so the advertised JSON
 * Schemas should carry meaning, not boilerplate. zod marks every object
 * `additionalProperties: false` and every schema `$schema`; neither helps a
 * model and together they are a tenth of the catalog. Validation still runs
 * on the full zod schema: only the advertised JSON is trimmed.
 */
export function compactJsonSchema(schema: unknown, output = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => compactJsonSchema(item, output));
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (key === "$schema") continue;
    // Results always carry every field (absent values are explicit nulls), so in
    // output schemas `required` would only repeat each property name.
    if (output && key === "required") continue;
    if (key === "additionalProperties" && value === false) continue;
    // String bounds: the server checks them and its refusal says the bound, so advertising
    // them only lengthens the catalog every model reads.
    if (key === "maxLength") continue;
    // Every number we emit is a JavaScript number; the safe-integer bounds zod adds say nothing.
    if (
      (key === "minimum" || key === "maximum") &&
      Math.abs(Number(value)) === Number.MAX_SAFE_INTEGER
    )
      continue;
    out[key] =
      key === "properties" || key === "$defs"
        ? compactProperties(value, output)
        : compactJsonSchema(value, output);
  }
  return out;
}

function compactProperties(value: unknown, output: boolean): unknown {
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Json).map(([name, property]) => [
      name,
      compactJsonSchema(property, output),
    ]),
  );
}

/**
 * Converted schemas, per isolate. The tool set is fixed, yet every request builds a fresh
 * server whose tools/list would convert each zod schema again (milliseconds of CPU per list):
 * the JSON of a schema is computed once per schema, role, direction and target. Callers get
 * the shared object, which nothing mutates (the SDK copies it into its answer).
 */
const converted = new WeakMap<object, Map<string, Json>>();

function cachedJson(
  schema: object,
  key: string,
  convert: () => Record<string, unknown>,
  results: boolean,
): Json {
  let bySchema = converted.get(schema);
  if (!bySchema) {
    bySchema = new Map();
    converted.set(schema, bySchema);
  }
  let json = bySchema.get(key);
  if (!json) {
    json = compactJsonSchema(convert(), results) as Json;
    bySchema.set(key, json);
  }
  return json;
}

/** The wrapper of each schema and role, also per isolate. */
const wrappers = new WeakMap<object, Map<string, unknown>>();

/**
 * The same zod schema for validation, advertised with a compact JSON Schema.
 * `role` says whether it describes a tool's arguments or its results.
 */
export function withCompactJsonSchema<T extends z.ZodType>(
  schema: T,
  role: "arguments" | "results",
): StandardSchemaWithJSON<z.input<T>, z.output<T>> {
  const known = wrappers.get(schema)?.get(role);
  if (known) return known as StandardSchemaWithJSON<z.input<T>, z.output<T>>;
  const standard = schema["~standard"];
  const results = role === "results";
  const key = (io: string, options: { target?: unknown } | undefined) =>
    `${role}|${io}|${String(options?.target ?? "")}`;
  const wrapper = {
    "~standard": {
      ...standard,
      jsonSchema: {
        input: (options) =>
          cachedJson(
            schema,
            key("input", options),
            () => standard.jsonSchema.input(options),
            results,
          ),
        output: (options) =>
          cachedJson(
            schema,
            key("output", options),
            () => standard.jsonSchema.output(options),
            results,
          ),
      },
    },
  } as StandardSchemaWithJSON<z.input<T>, z.output<T>>;
  let byRole = wrappers.get(schema);
  if (!byRole) {
    byRole = new Map();
    wrappers.set(schema, byRole);
  }
  byRole.set(role, wrapper);
  return wrapper;
}
