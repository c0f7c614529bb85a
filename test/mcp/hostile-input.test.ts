import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PveSimulator } from "../../simulator/src/simulator";
import { scopesForRole } from "../../src/auth/scopes";
import { OPEN_CHANGE_SETTINGS } from "../../src/changes/settings";
import { createServer } from "../../src/mcp/server";
import { TOOLS } from "../../src/tools";
import { connectClient, simulatorClient } from "../support/tool-harness";

/**
 * Property-based runs over every tool's advertised input schema: arguments a model (or
 * someone pretending to be one) might send — right and wrong types, out-of-range numbers,
 * odd strings, unknown and missing keys. Whatever comes in, the server answers with a result
 * or a clear argument error, never an internal error, and never sends Proxmox a request its
 * API schema rejects (the simulator answers those 400 "Parameter verification failed" or 501).
 *
 * `npm test` runs a few cases per tool; `npm run fuzz` runs many more (FUZZ_RUNS, default 200).
 */
declare const __FUZZ_RUNS__: number | undefined;
const RUNS = typeof __FUZZ_RUNS__ === "number" ? __FUZZ_RUNS__ : 6;

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
}

const ODD_STRINGS = [
  "",
  " ",
  "pve1",
  "PVE1",
  "pve3",
  "web-01",
  "local-lvm",
  "nas-nfs",
  "100",
  "../../etc/passwd",
  "a/b",
  "%2F",
  "UPID:pve1:00001234:00000000:00000000:qmstart:100:root@pam:",
  "x".repeat(5000),
  "🙂",
  "a\u0000b",
  "line\nbreak",
  "<script>",
  "' OR 1=1 --",
  "-1",
  "1e309",
];

/** Values near what the schema asks for, and values of the wrong kind. */
function valueFor(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const anything = fc.oneof(
    fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e12, Number.MAX_SAFE_INTEGER, [], {}),
    fc.string(),
    fc.integer(),
  );
  if (!schema || depth > 3) return anything;
  const options: fc.Arbitrary<unknown>[] = [anything, fc.constantFrom(...ODD_STRINGS)];
  const choices = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  for (const choice of choices) options.push(valueFor(choice, depth + 1));
  if (schema.enum) options.push(fc.constantFrom(...schema.enum), fc.constantFrom(...schema.enum));
  if (schema.const !== undefined) options.push(fc.constant(schema.const));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  for (const type of types) {
    if (type === "integer" || type === "number") {
      const min = schema.minimum ?? -1e6;
      const max = schema.maximum ?? 1e9;
      options.push(
        fc.integer({ min: Math.max(min, -2e9), max: Math.min(max, 2e9) }),
        fc.constantFrom(min - 1, max + 1, 100, 101, 110, 0),
        fc.double({ noNaN: false }),
      );
    } else if (type === "string") {
      options.push(fc.string({ maxLength: 80 }), fc.constantFrom(...ODD_STRINGS));
    } else if (type === "boolean") {
      options.push(fc.boolean());
    } else if (type === "array") {
      options.push(fc.array(valueFor(schema.items, depth + 1), { maxLength: 5 }));
    } else if (type === "object" && schema.properties) {
      options.push(argumentsFor(schema, depth + 1));
    }
  }
  return fc.oneof(...options);
}

/** An arguments object: some of the schema's keys (required ones usually), sometimes strangers. */
function argumentsFor(schema: JsonSchema, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const keys = Object.keys(properties);
  const record = fc.record(
    Object.fromEntries(keys.map((key) => [key, valueFor(properties[key], depth)])),
    { requiredKeys: [] },
  );
  return fc
    .tuple(
      record,
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
      fc.boolean(),
    )
    .map(([known, strangers, extra]) => (extra ? { ...strangers, ...known } : known));
}

describe("hostile input to every tool", () => {
  it("never an internal error, never a request outside the Proxmox API contract", async () => {
    const sim = new PveSimulator({ taskDurationMs: 0 });
    const violations: string[] = [];
    const real = sim.fetch.bind(sim);
    sim.fetch = async (request: Request) => {
      const response = await real(request);
      const body = response.status === 400 ? await response.clone().text() : "";
      // A well-formed UPID of a task the node does not know is answered like this by PVE too:
      // a fact about the cluster, not a request outside the contract.
      const unknownTask = /"upid":"no such task"/.test(body);
      const contract =
        response.status === 501 ||
        (response.status === 400 &&
          /Parameter verification failed/.test(response.statusText) &&
          !unknownTask);
      if (contract) {
        violations.push(
          `${request.method} ${decodeURIComponent(new URL(request.url).pathname)} → ${response.status} ${response.statusText} ${await response.clone().text()}`,
        );
      }
      return response;
    };
    const crashes: string[] = [];
    const run = `${Date.now()}-${Math.random()}`;
    const sessionId = env.SESSIONS.idFromName(`hostile-${run}`);
    const server = createServer({
      identity: { userId: "fuzz", name: "Fuzz", role: "admin", clientId: "c", signIn: "dev" },
      scopes: scopesForRole("admin"),
      tools: TOOLS,
      connect: () => simulatorClient(sim),
      session: env.SESSIONS.get(sessionId),
      changes: {
        // Every tool, the guest command tool included; approvals off so applies run.
        settings: { ...OPEN_CHANGE_SETTINGS, enabled: true },
        journal: env.CHANGE_JOURNAL.get(env.CHANGE_JOURNAL.idFromName(`hostile-${run}`)),
        sessionId: sessionId.toString(),
        publicOrigin: "https://mcp.test",
        now: Date.now,
      },
      log: (line) => {
        if (line.event === "tool_crashed") crashes.push(`${line.tool}: ${line.error}`);
      },
    });
    const client = await connectClient(server);
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(20);
    const started = Date.now();
    let calls = 0;
    for (const tool of tools) {
      await fc.assert(
        fc.asyncProperty(argumentsFor(tool.inputSchema as JsonSchema), async (args) => {
          calls++;
          let text = "";
          try {
            const result = (await client.callTool({ name: tool.name, arguments: args })) as {
              content?: { text?: string }[];
            };
            text = (result.content ?? []).map((c) => c.text ?? "").join("\n");
          } catch (error) {
            // A protocol-level refusal of bad arguments is fine; anything else is not.
            text = String(error);
            expect(text, `${tool.name} ${JSON.stringify(args)}`).toMatch(
              /Invalid|argument|params/i,
            );
          }
          expect(text, `${tool.name} ${JSON.stringify(args)}`).not.toMatch(/Internal error/);
          expect(crashes, `${tool.name} ${JSON.stringify(args)}`).toEqual([]);
          expect(violations, `${tool.name} ${JSON.stringify(args)}`).toEqual([]);
        }),
        // Bounded by count: workerd's clock stands still while code runs, so no time limit.
        { numRuns: RUNS },
      );
    }
    console.log(
      `hostile input: ${calls} calls over ${tools.length} tools in ${Date.now() - started} ms`,
    );
    expect(calls).toBeGreaterThanOrEqual(tools.length);
  }, 600_000);
});
