import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_REQUESTS } from "../../src/proxmox/client";
import type { ProxmoxError } from "../../src/proxmox/errors";
import { pvePath } from "../../src/proxmox/identifiers";
import { pveData, pveError, RecordingFetcher, ticketAnswer } from "./fake-fetcher";
import { CSRF, caught, makeClient, TICKET, ticketAuth } from "./helpers";

const version = pvePath`/version`;

describe("the per-call request budget", () => {
  it("defaults to what leaves room within the Workers Free plan's 50 subrequests", () => {
    expect(DEFAULT_MAX_REQUESTS).toBe(40);
    expect(makeClient(new RecordingFetcher(pveData({}))).requestsLeft).toBe(40);
  });

  it("refuses the request after the last one, without sending it", async () => {
    const fetcher = new RecordingFetcher(pveData({ version: "9.1" }));
    const client = makeClient(fetcher, { maxRequests: 3 });
    for (let i = 0; i < 3; i++) await client.get(version);
    expect(client.requestsLeft).toBe(0);
    const error = (await caught(client.get(pvePath`/cluster/resources`))) as ProxmoxError;
    expect(error.kind).toBe("request_budget");
    expect(error.message).toBe(
      "This call needed more than 3 Proxmox requests, the most one call may make; GET /cluster/resources was not sent.",
    );
    expect(error.hint).toMatch(/filter by node, storage or VMID|start\/limit/);
    expect(fetcher.calls).toHaveLength(3);
    expect(client.requestCount).toBe(3);
  });

  it("counts retries", async () => {
    const fetcher = new RecordingFetcher(pveError(503, "busy"), pveData({ version: "9.1" }));
    const client = makeClient(fetcher, { maxRequests: 2 });
    await client.get(version);
    expect(client.requestCount).toBe(2);
    expect(((await caught(client.get(version))) as ProxmoxError).kind).toBe("request_budget");
  });

  it("stops a retry that would go over, rather than sending it", async () => {
    const fetcher = new RecordingFetcher(pveError(503, "busy"));
    const client = makeClient(fetcher, { maxRequests: 1 });
    const error = (await caught(client.get(version))) as ProxmoxError;
    expect(error.kind).toBe("request_budget");
    expect(fetcher.calls).toHaveLength(1);
  });

  it("counts logins", async () => {
    const fetcher = new RecordingFetcher(ticketAnswer(TICKET, CSRF), pveData({}));
    const client = makeClient(fetcher, { auth: ticketAuth, maxRequests: 1 });
    const error = (await caught(client.get(version))) as ProxmoxError;
    expect(error.kind).toBe("request_budget");
    expect(fetcher.calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual([
      "POST /api2/json/access/ticket",
    ]);
  });
});
