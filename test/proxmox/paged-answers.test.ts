import { describe, expect, it } from "vitest";
import type { ProxmoxError } from "../../src/proxmox/errors";
import { parseNodeName, parseUpid, pvePath } from "../../src/proxmox/identifiers";
import { pveError, RecordingFetcher } from "./fake-fetcher";
import { caught, makeClient } from "./helpers";

const node = parseNodeName("pve1");
const task = parseUpid("UPID:pve1:0000BC70:096228E1:6B00FB20:vzdump::root@pam:");
const logPath = pvePath`/nodes/${node}/tasks/${task.upid}/log`;

function envelope(body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { "Content-Type": "application/json;charset=UTF-8" },
  });
}

describe("getPage", () => {
  it("returns data together with the total PVE sends beside it", async () => {
    const fetcher = new RecordingFetcher(
      envelope({ data: [{ n: 3, t: "INFO: line three" }], total: 812 }),
    );
    const page = await makeClient(fetcher).getPage<{ n: number; t: string }[]>(logPath, {
      start: 2,
      limit: 1,
    });
    expect(page).toEqual({ data: [{ n: 3, t: "INFO: line three" }], total: 812 });
    expect(fetcher.call(0).url.searchParams.get("start")).toBe("2");
    expect(fetcher.call(0).url.searchParams.get("limit")).toBe("1");
  });

  it("leaves total undefined when PVE sent none or garbage", async () => {
    const fetcher = new RecordingFetcher(
      envelope({ data: [] }),
      envelope({ data: [], total: "many" }),
    );
    const client = makeClient(fetcher);
    expect((await client.getPage(logPath)).total).toBeUndefined();
    expect((await client.getPage(logPath)).total).toBeUndefined();
  });

  it("fails like get, and retries like get", async () => {
    const fetcher = new RecordingFetcher(
      new Response("", { status: 503, statusText: "Service Unavailable" }),
      pveError(400, "Parameter verification failed.", { upid: "no such task" }),
    );
    const client = makeClient(fetcher);
    const error = (await caught(client.getPage(logPath))) as ProxmoxError;
    expect(error.kind).toBe("invalid_parameters");
    expect(error.fieldErrors).toEqual({ upid: "no such task" });
    expect(client.requestCount).toBe(2);
  });
});
