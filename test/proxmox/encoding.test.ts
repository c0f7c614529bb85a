import { describe, expect, it } from "vitest";
import { encodeParams } from "../../src/proxmox/encoding";
import { ProxmoxError } from "../../src/proxmox/errors";
import { parseNodeName, parseVmid, pvePath } from "../../src/proxmox/identifiers";
import { form, pveData, RecordingFetcher } from "./fake-fetcher";
import { API_ROOT, caught, makeClient } from "./helpers";

const node = parseNodeName("pve1");
const vmid = parseVmid(100);

describe("encodeParams", () => {
  it("writes booleans as 0/1, numbers in decimal, arrays as repeated keys, skips undefined", () => {
    const params = encodeParams({
      full: true,
      force: false,
      vmid: 100,
      cpulimit: 0.5,
      huge: 1e21,
      command: ["ls", "-la"],
      skipped: undefined,
      name: "web 01",
    });
    expect([...params]).toEqual([
      ["full", "1"],
      ["force", "0"],
      ["vmid", "100"],
      ["cpulimit", "0.5"],
      ["huge", "1000000000000000000000"],
      ["command", "ls"],
      ["command", "-la"],
      ["name", "web 01"],
    ]);
  });

  it("refuses non-finite numbers before anything is sent", () => {
    const error = (() => {
      try {
        encodeParams({ memory: Number.NaN });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProxmoxError);
    expect((error as ProxmoxError).kind).toBe("invalid_parameters");
    expect((error as ProxmoxError).fieldErrors).toEqual({ memory: "must be a finite number" });
  });
});

describe("requests on the wire", () => {
  it("GET puts params in the query string and sends no body", async () => {
    const fetcher = new RecordingFetcher(pveData([{ vmid: 100 }]));
    const client = makeClient(fetcher);
    const data = await client.get(pvePath`/nodes/${node}/qemu`, { full: true, running: undefined });
    expect(data).toEqual([{ vmid: 100 }]);
    const call = fetcher.call(0);
    expect(call.method).toBe("GET");
    expect(call.url.href).toBe(`${API_ROOT}/nodes/pve1/qemu?full=1`);
    expect(call.body).toBe("");
    expect(call.headers.get("Content-Type")).toBeNull();
    expect(call.headers.get("Accept")).toBe("application/json");
    expect(call.request.redirect).toBe("manual");
  });

  it("GET without params has no query string", async () => {
    const fetcher = new RecordingFetcher(pveData({}));
    await makeClient(fetcher).get(pvePath`/cluster/resources`);
    expect(fetcher.call(0).url.href).toBe(`${API_ROOT}/cluster/resources`);
  });

  it("POST sends a form body with repeated keys for arrays", async () => {
    const fetcher = new RecordingFetcher(pveData({ pid: 4242 }));
    const client = makeClient(fetcher);
    await client.post(pvePath`/nodes/${node}/qemu/${vmid}/agent/exec`, {
      command: ["ls", "-la", "/var/log/a b"],
      "input-data": undefined,
    });
    const call = fetcher.call(0);
    expect(call.method).toBe("POST");
    expect(call.url.href).toBe(`${API_ROOT}/nodes/pve1/qemu/100/agent/exec`);
    expect(call.url.search).toBe("");
    expect(call.headers.get("Content-Type")).toBe("application/x-www-form-urlencoded");
    expect(call.body).toBe("command=ls&command=-la&command=%2Fvar%2Flog%2Fa+b");
    expect(form(call.body)).toEqual({ command: ["ls", "-la", "/var/log/a b"] });
  });

  it("PUT sends booleans as 0/1 and numbers as decimal strings", async () => {
    const fetcher = new RecordingFetcher(pveData(null));
    const result = await makeClient(fetcher).put(pvePath`/nodes/${node}/qemu/${vmid}/config`, {
      onboot: true,
      protection: false,
      memory: 4096,
      balloon: 0,
      description: "line 1\nline 2 & more",
    });
    expect(result).toBeNull();
    const call = fetcher.call(0);
    expect(call.method).toBe("PUT");
    expect(form(call.body)).toEqual({
      onboot: ["1"],
      protection: ["0"],
      memory: ["4096"],
      balloon: ["0"],
      description: ["line 1\nline 2 & more"],
    });
    expect(call.body).not.toMatch(/true|false/);
  });

  it("POST without params still sends an (empty) form body", async () => {
    const fetcher = new RecordingFetcher(
      pveData("UPID:pve1:00001234:00001234:6553F00D:qmstart:100:root@pam:"),
    );
    await makeClient(fetcher).post(pvePath`/nodes/${node}/qemu/${vmid}/status/start`);
    const call = fetcher.call(0);
    expect(call.body).toBe("");
    expect(call.headers.get("Content-Type")).toBe("application/x-www-form-urlencoded");
  });

  it("DELETE puts params in the query string", async () => {
    const fetcher = new RecordingFetcher(
      pveData("UPID:pve1:00001234:00001234:6553F00D:qmdestroy:100:root@pam:"),
    );
    await makeClient(fetcher).delete(pvePath`/nodes/${node}/qemu/${vmid}`, {
      purge: true,
      "destroy-unreferenced-disks": false,
    });
    const call = fetcher.call(0);
    expect(call.method).toBe("DELETE");
    expect(call.url.href).toBe(
      `${API_ROOT}/nodes/pve1/qemu/100?purge=1&destroy-unreferenced-disks=0`,
    );
    expect(call.body).toBe("");
  });

  it("a non-finite number fails without a request", async () => {
    const fetcher = new RecordingFetcher(pveData(null));
    const client = makeClient(fetcher);
    const error = await caught(
      client.put(pvePath`/nodes/${node}/qemu/${vmid}/config`, { cores: Infinity }),
    );
    expect((error as ProxmoxError).kind).toBe("invalid_parameters");
    expect(fetcher.calls).toHaveLength(0);
    expect(client.requestCount).toBe(0);
  });

  it("keeps a base URL path prefix", async () => {
    const fetcher = new RecordingFetcher(pveData([]));
    const client = makeClient(fetcher, {
      config: {
        baseUrl: "https://gw.example.com/pve/",
        auth: { kind: "token", tokenId: "a@pam!b", secret: "x".repeat(12) },
      },
    });
    await client.get(pvePath`/nodes`);
    expect(fetcher.call(0).url.href).toBe("https://gw.example.com/pve/api2/json/nodes");
  });
});
