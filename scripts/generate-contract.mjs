#!/usr/bin/env node
// Generates simulator/contract/pve-contract.json from the normalized Proxmox VE
// API schema (see the pve-api README: one JSON object keyed "<METHOD> <path>").
//
//   node scripts/generate-contract.mjs [path-to-pve-api-schema.json]
//
// The default input is ../shared/pve-api/pve-api-schema.json relative to the
// repository root. The output keeps only validation facts (methods, paths,
// parameter names, types, enums, patterns, limits, format names, permission
// checks, return shapes) and drops every description, so that the simulator can
// reject requests the way PVE does without shipping the schema's prose.
//
// Plain Node ESM, no dependencies.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const inputPath = resolve(
  process.argv[2] ?? resolve(repoRoot, "../shared/pve-api/pve-api-schema.json"),
);
const outputPath = resolve(repoRoot, "simulator/contract/pve-contract.json");

const schema = JSON.parse(readFileSync(inputPath, "utf8"));

// Keys of a parameter schema that the validator needs. Everything else
// (description, typetext, format_description, default, verbose text) is prose
// or documentation and is left out on purpose.
const PARAM_KEYS = [
  "type",
  "optional",
  "enum",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "items",
  "requires",
  "alias",
  "keyAlias",
  "default_key",
  "oneOf",
  "instance-types",
  "type-property",
  "indexed",
  "namePattern",
  "maxIndex",
];

// Return schemas are documentation in PVE (responses may carry more keys), but
// their shape is still a useful check for the simulator's own answers.
const RETURN_KEYS = [
  "type",
  "optional",
  "enum",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "items",
  "properties",
  "additionalProperties",
  "alias",
  "keyAlias",
  "default_key",
  "oneOf",
  "instance-types",
  "type-property",
];

/** "net[n]" -> "^net\d+$": the dump collapses indexed properties this way. */
function indexedNamePattern(name) {
  const m = /^(.*)\[n\]$/.exec(name);
  return m ? `^${m[1]}\\d+$` : undefined;
}

function pickSchema(node, keys) {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return node;
  const out = {};
  for (const key of keys) {
    if (!(key in node)) continue;
    const value = node[key];
    if (value === undefined || value === null) continue;
    switch (key) {
      case "format":
        // A string names a registered format; an object describes a property
        // string ("key=value,...") whose sub-keys are schemas themselves.
        out.format = typeof value === "string" ? value : pickProperties(value, PARAM_KEYS);
        break;
      case "items":
        out.items = pickSchema(value, keys);
        break;
      case "oneOf":
        out.oneOf = value.map((alt) => pickSchema(alt, keys));
        break;
      case "properties":
        out.properties = pickProperties(value, keys);
        break;
      case "additionalProperties":
        out.additionalProperties =
          typeof value === "object" ? pickSchema(value, keys) : Boolean(value);
        break;
      case "optional":
        if (value === true || value === 1) out.optional = true;
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

function pickProperties(props, keys) {
  const out = {};
  for (const name of Object.keys(props).sort()) {
    const picked = pickSchema(props[name], keys);
    const pattern = indexedNamePattern(name);
    if (pattern && keys === RETURN_KEYS) {
      picked.indexed = true;
      picked.namePattern = pattern;
    }
    out[name] = picked;
  }
  return out;
}

function pickPermissions(perm) {
  // null means root@pam only; keep that. Descriptions are prose: drop them.
  if (perm === null || perm === undefined) return null;
  const out = {};
  if (perm.user !== undefined) out.user = perm.user;
  if (perm.check !== undefined) out.check = perm.check;
  return out;
}

const endpoints = {};
const keys = Object.keys(schema.endpoints).sort((a, b) => {
  const [ma, pa] = a.split(" ");
  const [mb, pb] = b.split(" ");
  return pa === pb ? ma.localeCompare(mb) : pa.localeCompare(pb);
});
for (const key of keys) {
  const ep = schema.endpoints[key];
  const entry = {
    pathParams: ep.pathParams ?? [],
    parameters: pickProperties(ep.parameters ?? {}, PARAM_KEYS),
    additionalParameters: ep.additionalParameters === true,
    allowtoken: ep.allowtoken !== false,
    permissions: pickPermissions(ep.permissions),
  };
  if (ep.proxyto) entry.proxyto = ep.proxyto;
  if (ep.returns) entry.returns = pickSchema(ep.returns, RETURN_KEYS);
  endpoints[key] = entry;
}

const header = {
  note:
    "Generated file - do not edit. Validation facts (methods, paths, parameter names/types/" +
    "enums/patterns/limits, format names, permission checks, return shapes) extracted from the " +
    "official Proxmox VE API schema; all descriptions removed.",
  pveVersion: schema.pveVersion,
  pveDocsVersion: schema.pveDocsVersion,
  schemaDate: schema.schemaDate,
  source: schema.source,
  license:
    "The facts derive from the Proxmox VE API schema, AGPL-3.0-or-later, " +
    "Copyright Proxmox Server Solutions GmbH.",
  regenerate: "node scripts/generate-contract.mjs [path-to-pve-api-schema.json]",
  endpointCount: keys.length,
};

// One endpoint per line: compact, yet diffs stay readable when the schema moves.
const lines = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(endpoints[key])}`);
const text = `{"header":${JSON.stringify(header, null, 1)},\n"endpoints":{\n${lines.join(",\n")}\n}}\n`;
JSON.parse(text); // sanity check: the file must stay valid JSON

mkdirSync(dirname(outputPath), { recursive: true });
writeFileSync(outputPath, text);
console.log(
  `wrote ${outputPath.slice(repoRoot.length + 1)}: ${keys.length} endpoints, ${text.length} bytes`,
);
