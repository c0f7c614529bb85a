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
 * The same zod schema for validation, advertised with a compact JSON Schema.
 * `role` says whether it describes a tool's arguments or its results.
 */
export function withCompactJsonSchema<T extends z.ZodType>(
  schema: T,
  role: "arguments" | "results",
): StandardSchemaWithJSON<z.input<T>, z.output<T>> {
  const standard = schema["~standard"];
  const results = role === "results";
  return {
    "~standard": {
      ...standard,
      jsonSchema: {
        input: (options) => compactJsonSchema(standard.jsonSchema.input(options), results) as Json,
        output: (options) =>
          compactJsonSchema(standard.jsonSchema.output(options), results) as Json,
      },
    },
  } as StandardSchemaWithJSON<z.input<T>, z.output<T>>;
}
