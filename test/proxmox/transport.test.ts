import { describe, expect, it } from "vitest";
import type { ProxmoxError } from "../../src/proxmox/errors";
import { parseNodeName, parseVmid, pvePath } from "../../src/proxmox/identifiers";
import { pveData, pveError, RecordingFetcher } from "./fake-fetcher";
import { caught, makeClient, TOKEN_SECRET } from "./helpers";

const node = parseNodeName("pve1");
const vmid = parseVmid(100);
const start = pvePath`/nodes/${node}/qemu/${vmid}/status/start`;
const status = pvePath`/nodes/${node}/qemu/${vmid}/status/current`;

describe("timeouts", () => {
  it("a request that does not answer in time becomes a timeout error and is aborted", async () => {
    const fetcher = new RecordingFetcher("hang");
    const client = makeClient(fetcher);
    const error = (await caught(client.post(start, undefined, { timeoutMs: 20 }))) as ProxmoxError;
    expect(error.kind).toBe("timeout");
    expect(error.message).toBe(
      "Proxmox did not answer POST /nodes/pve1/qemu/100/status/start within 20 ms.",
    );
    expect(error.hint).toMatch(/PROXMOX_TIMEOUT_MS/);
    expect(fetcher.call(0).request.signal.aborted).toBe(true);
    expect(fetcher.calls).toHaveLength(1); // a POST is never retried
  });

  it("uses the configured default timeout", async () => {
    const fetcher = new RecordingFetcher("hang");
    const client = makeClient(fetcher, {
      config: {
        baseUrl: "https://pve.example.com",
        auth: { kind: "token", tokenId: "a@pam!b", secret: TOKEN_SECRET },
        timeoutMs: 15,
      },
    });
    const error = (await caught(client.post(start))) as ProxmoxError;
    expect(error.kind).toBe("timeout");
    expect(error.message).toMatch(/within 15 ms/);
  });

  it("times out even if the fetcher ignores the abort signal", async () => {
    const fetcher = new RecordingFetcher(() => new Promise<Response>(() => {}));
    const error = (await caught(
      makeClient(fetcher).get(status, undefined, { timeoutMs: 10, retry: false }),
    )) as ProxmoxError;
    expect(error.kind).toBe("timeout");
  });

  it("covers reading the body, not just the headers", async () => {
    const fetcher = new RecordingFetcher(
      () => new Response(new ReadableStream({ start() {} }), { status: 200 }),
    );
    const error = (await caught(
      makeClient(fetcher).get(status, undefined, { timeoutMs: 10, retry: false }),
    )) as ProxmoxError;
    expect(error.kind).toBe("timeout");
  });

  it("a caller's abort signal cancels the call as 'aborted', without retry", async () => {
    const fetcher = new RecordingFetcher("hang");
    const controller = new AbortController();
    const pending = caught(
      makeClient(fetcher).get(status, undefined, { signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 5);
    const error = (await pending) as ProxmoxError;
    expect(error.kind).toBe("aborted");
    expect(fetcher.calls).toHaveLength(1);
  });

  it("an already aborted signal sends nothing", async () => {
    const fetcher = new RecordingFetcher(pveData(null));
    const client = makeClient(fetcher);
    const error = (await caught(
      client.get(status, undefined, { signal: AbortSignal.abort() }),
    )) as ProxmoxError;
    expect(error.kind).toBe("aborted");
    expect(client.requestCount).toBe(0);
  });
});

describe("retries", () => {
  it("retries a GET once after 503 and returns the second answer", async () => {
    const fetcher = new RecordingFetcher(
      pveError(503, "Service Unavailable"),
      pveData({ status: "running" }),
    );
    const client = makeClient(fetcher);
    expect(await client.get(status)).toEqual({ status: "running" });
    expect(fetcher.calls).toHaveLength(2);
    expect(fetcher.call(1).url.href).toBe(fetcher.call(0).url.href);
    expect(client.requestCount).toBe(2);
  });

  it.each([502, 504])("retries a GET once after %i", async (code) => {
    const fetcher = new RecordingFetcher(pveError(code, "gateway trouble"), pveData(1));
    expect(await makeClient(fetcher).get(status)).toBe(1);
    expect(fetcher.calls).toHaveLength(2);
  });

  it("gives up after the second 503 with an upstream error", async () => {
    const fetcher = new RecordingFetcher(pveError(503, "Service Unavailable"));
    const client = makeClient(fetcher);
    const error = (await caught(client.get(status))) as ProxmoxError;
    expect(error.kind).toBe("upstream");
    expect(error.status).toBe(503);
    expect(fetcher.calls).toHaveLength(2);
    expect(client.requestCount).toBe(2);
  });

  it("retries a GET after a network error and after a timeout", async () => {
    const network = new RecordingFetcher(new TypeError("Network connection lost."), pveData("ok"));
    expect(await makeClient(network).get(status)).toBe("ok");
    expect(network.calls).toHaveLength(2);

    const slow = new RecordingFetcher("hang", pveData("ok"));
    expect(await makeClient(slow).get(status, undefined, { timeoutMs: 20 })).toBe("ok");
    expect(slow.calls).toHaveLength(2);
  });

  it("never retries a POST, PUT or DELETE", async () => {
    for (const method of ["post", "put", "delete"] as const) {
      const fetcher = new RecordingFetcher(pveError(503, "Service Unavailable"), pveData(null));
      const client = makeClient(fetcher);
      const error = (await caught(client[method](start))) as ProxmoxError;
      expect(error.kind).toBe("upstream");
      expect(fetcher.calls).toHaveLength(1);
      expect(client.requestCount).toBe(1);

      const failing = new RecordingFetcher(
        new TypeError("Network connection lost."),
        pveData(null),
      );
      expect(((await caught(makeClient(failing)[method](start))) as ProxmoxError).kind).toBe(
        "network",
      );
      expect(failing.calls).toHaveLength(1);
    }
  });

  it("does not retry a PVE 500 with a message, or any 4xx", async () => {
    for (const reply of [
      pveError(500, "VM 100 not running"),
      pveError(400, "Parameter verification failed.", { full: "type check ('boolean') failed" }),
      pveError(403, "Permission check failed (/vms/100, VM.Audit)"),
      pveError(404, "Not Found"),
    ]) {
      const fetcher = new RecordingFetcher(reply, pveData("unexpected"));
      await caught(makeClient(fetcher).get(status));
      expect(fetcher.calls).toHaveLength(1);
    }
  });

  it("retry: false turns the GET retry off", async () => {
    const fetcher = new RecordingFetcher(pveError(503, "Service Unavailable"), pveData(1));
    await caught(makeClient(fetcher).get(status, undefined, { retry: false }));
    expect(fetcher.calls).toHaveLength(1);
  });
});

describe("requestCount", () => {
  it("counts every attempt of this instance only", async () => {
    const fetcher = new RecordingFetcher(pveData(1));
    const a = makeClient(fetcher);
    const b = makeClient(fetcher);
    await a.get(status);
    await a.get(status);
    await b.get(status);
    expect(a.requestCount).toBe(2);
    expect(b.requestCount).toBe(1);
  });
});
