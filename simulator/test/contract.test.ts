// The contract: route matching and PVE-style parameter validation, both as
// functions and as the 400/501 answers a client receives.

import { describe, expect, it } from "vitest";
import { checkProp, contract, type ErrorMap, matchRoute, validateParams } from "../src/contract";
import { call, createSimulator } from "./helpers";

function endpoint(key: string) {
  const ep = contract.endpoints[key];
  if (!ep) throw new Error(`no endpoint ${key}`);
  return ep;
}

describe("the generated contract", () => {
  it("holds every endpoint of the PVE 9.1 schema and no prose", () => {
    expect(Object.keys(contract.endpoints)).toHaveLength(649);
    expect(contract.header.pveVersion).toBe("9.1");
    // A parameter may be *named* "description"; no schema may *carry* one.
    const prose: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) {
        node.forEach((n, i) => {
          walk(n, `${path}[${i}]`);
        });
      } else if (typeof node === "object" && node !== null) {
        for (const [k, v] of Object.entries(node)) {
          if ((k === "description" || k === "typetext") && typeof v === "string") prose.push(path);
          walk(v, `${path}.${k}`);
        }
      }
    };
    walk(contract.endpoints, "");
    expect(prose).toEqual([]);
  });
});

describe("matchRoute", () => {
  it("maps paths to templates and collects path parameters", () => {
    const m = matchRoute("GET", "/nodes/pve1/qemu/100/status/current");
    expect(m?.key).toBe("GET /nodes/{node}/qemu/{vmid}/status/current");
    expect(m?.uriParams).toEqual({ node: "pve1", vmid: "100" });
  });

  it("skips empty segments like PVE's router", () => {
    expect(matchRoute("GET", "//nodes///pve1/qemu/")?.key).toBe("GET /nodes/{node}/qemu");
  });

  it("lets {volume} take the rest of the path below .../content", () => {
    const m = matchRoute("GET", "/nodes/pve1/storage/nas-nfs/content/nas-nfs:iso/debian.iso");
    expect(m?.key).toBe("GET /nodes/{node}/storage/{storage}/content/{volume}");
    expect(m?.uriParams.volume).toBe("nas-nfs:iso/debian.iso");
  });

  it("knows no unknown paths and no wrong methods", () => {
    expect(matchRoute("GET", "/foo")).toBeUndefined();
    expect(matchRoute("DELETE", "/version")).toBeUndefined();
  });
});

describe("validateParams", () => {
  const start = endpoint("POST /nodes/{node}/qemu/{vmid}/status/start");

  it("accepts a valid request", () => {
    expect(validateParams(start, { node: "pve1", vmid: "100", timeout: "30" })).toEqual({});
  });

  it("rejects unknown parameters", () => {
    expect(validateParams(start, { node: "pve1", vmid: "100", force: "1" })).toEqual({
      force:
        "property is not defined in schema and the schema does not allow additional properties",
    });
  });

  it("accepts only 0 and 1 for booleans in forms, true/false in JSON", () => {
    expect(validateParams(start, { node: "pve1", vmid: "100", skiplock: "true" })).toEqual({
      skiplock: "type check ('boolean') failed - got 'true'",
    });
    expect(validateParams(start, { node: "pve1", vmid: "100", skiplock: true })).toEqual({});
    expect(validateParams(start, { node: "pve1", vmid: "100", skiplock: "1" })).toEqual({});
  });

  it("type-checks integers and applies limits", () => {
    expect(validateParams(start, { node: "pve1", vmid: "abc" })).toEqual({
      vmid: "type check ('integer') failed - got 'abc'",
    });
    expect(validateParams(start, { node: "pve1", vmid: "99" })).toEqual({
      vmid: "invalid format - value does not look like a valid VM ID\n",
    });
    expect(validateParams(start, { node: "pve1", vmid: "100", timeout: "-1" })).toEqual({
      timeout: "value must have a minimum value of 0",
    });
  });

  it("checks enums with PVE's message", () => {
    expect(validateParams(start, { node: "pve1", vmid: "100", migration_type: "fast" })).toEqual({
      migration_type: "value 'fast' does not have a value in the enumeration 'secure, insecure'",
    });
  });

  it("reports missing required parameters", () => {
    const ticket = endpoint("POST /access/ticket");
    expect(validateParams(ticket, { username: "demo@pve" })).toEqual({
      password: "property is missing and it is not optional",
    });
  });

  it("treats a form key without value as missing", () => {
    const ticket = endpoint("POST /access/ticket");
    expect(validateParams(ticket, { username: "demo@pve", password: null })).toEqual({
      password: "property is missing and it is not optional",
    });
  });

  it("checks named formats and Perl patterns on the whole value", () => {
    const perms = endpoint("GET /access/permissions");
    expect(validateParams(perms, { userid: "root@pam!mcp" })).toEqual({});
    expect(validateParams(perms, { userid: "root" })).toEqual({
      userid: "value does not match the regex pattern",
    });
    const content = endpoint("GET /nodes/{node}/storage/{storage}/content");
    expect(validateParams(content, { node: "pve1", storage: "x" })).toEqual({
      storage: "invalid format - storage ID 'x' cannot be shorter than 2 characters\n",
    });
    expect(validateParams(content, { node: "pve1", storage: "local", content: "disks" })).toEqual({
      content: "invalid format - invalid content type 'disks'\n",
    });
  });

  it("checks `requires`", () => {
    const suspend = endpoint("POST /nodes/{node}/qemu/{vmid}/status/suspend");
    expect(validateParams(suspend, { node: "pve1", vmid: "100", statestorage: "local" })).toEqual({
      todisk: "missing property required by 'statestorage'",
    });
  });

  it("validates property strings and indexed names (net0..net31)", () => {
    const update = endpoint("PUT /nodes/{node}/qemu/{vmid}/config");
    expect(
      validateParams(update, { node: "pve1", vmid: "100", net3: "virtio,bridge=vmbr0,firewall=1" }),
    ).toEqual({});
    expect(validateParams(update, { node: "pve1", vmid: "100", net32: "virtio" })).toEqual({
      net32:
        "property is not defined in schema and the schema does not allow additional properties",
    });
    const bad = validateParams(update, {
      node: "pve1",
      vmid: "100",
      net0: "virtio,bridge=vmbr0,speed=9",
    });
    expect(bad.net0).toMatch(
      /^invalid format - invalid key in comma-separated list property: speed/,
    );
    const badMac = validateParams(update, {
      node: "pve1",
      vmid: "100",
      net0: "virtio=01:00:00:00:00:00",
    });
    expect(badMac.net0).toContain(
      "net0.macaddr: invalid format - value does not look like a valid unicast MAC address",
    );
  });

  it("joins repeated form keys for -list formats and wraps scalars for arrays", () => {
    const exec = endpoint("POST /nodes/{node}/qemu/{vmid}/agent/exec");
    const params = { node: "pve1", vmid: "100", command: "uptime" };
    expect(validateParams(exec, params)).toEqual({});
    expect(params.command).toEqual(["uptime"]);
  });

  it("is strict about JSON types in response mode", () => {
    const errors: ErrorMap = {};
    const returns = endpoint("GET /nodes/{node}/qemu/{vmid}/status/current").returns ?? {};
    checkProp({ vmid: "100", status: "running" }, returns, "", errors, { strictJsonTypes: true });
    expect(errors).toEqual({
      vmid: "type check ('integer') failed - got \"100\"",
      ha: "property is missing and it is not optional",
    });
  });
});

describe("validation over HTTP", () => {
  it("answers 400 'Parameter verification failed.' with per-parameter errors", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "POST", "/nodes/pve1/qemu/100/status/stop", {
      form: { skiplock: "true", bogus: "1" },
    });
    expect(res.status).toBe(400);
    expect(res.statusText).toBe("Parameter verification failed.");
    expect(res.body).toEqual({
      data: null,
      message: "Parameter verification failed.\n",
      errors: {
        skiplock: "type check ('boolean') failed - got 'true'",
        bogus:
          "property is not defined in schema and the schema does not allow additional properties",
      },
    });
  });

  it("rejects a bad integer in the path", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/nodes/pve1/qemu/abc/status/current");
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual({ vmid: "type check ('integer') failed - got 'abc'" });
  });

  it("rejects an enum value in the query", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/cluster/resources", { query: { type: "qemu" } });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual({
      type: "value 'qemu' does not have a value in the enumeration 'vm, storage, node, sdn'",
    });
  });

  it("accepts JSON bodies with real booleans", async () => {
    const { sim } = createSimulator({ taskDurationMs: 0 });
    const res = await call(sim, "POST", "/nodes/pve1/qemu/100/status/shutdown", {
      // A number equal to the path's "100" is no conflict (Perl compares strings).
      json: { vmid: 100, forceStop: true, timeout: 30 },
    });
    expect(res.status).toBe(200);
  });

  it("rejects a path value that conflicts with a body value", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "POST", "/nodes/pve1/qemu/100/status/stop", {
      form: { vmid: "101" },
    });
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual({
      vmid: "duplicate parameter (already defined in URI) with conflicting values!",
    });
  });

  it("answers 501 for an unknown path, like pveproxy", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/foo");
    expect(res.status).toBe(501);
    expect(res.statusText).toBe("Method 'GET /foo' not implemented");
    expect(res.body).toEqual({ data: null, message: "Method 'GET /foo' not implemented" });
  });

  it("answers 501 for a schema endpoint the simulator does not implement", async () => {
    const { sim } = createSimulator();
    const res = await call(sim, "GET", "/cluster/ceph/status");
    expect(res.status).toBe(501);
  });
});
