import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BulkOptions } from "../../simulator/src/model/bulk";
import { argumentKey } from "../../src/tools/support/snapshots";
import { toolHarness } from "../support/tool-harness";

type Paged = {
  start: number;
  total: number;
  returned: number;
  nextStart: number | null;
  snapshot: string | null;
  readAt: number;
  snapshotMissed: "expired" | "other_arguments" | "unavailable" | null;
};

type Call = Awaited<ReturnType<typeof toolHarness>>["call"];

/**
 * Reads every page of `tool`, passing each answer's snapshot on. Returns the rows, how many
 * upstream requests each page made, and the answers.
 */
async function readAll<Row>(
  call: Call,
  tool: string,
  rowsOf: (data: Paged) => Row[],
  args: Record<string, unknown> = {},
) {
  const rows: Row[] = [];
  const requests: number[] = [];
  const answers: (Paged & { text: string })[] = [];
  let start: number | null = 0;
  let snapshot: string | null = null;
  while (start !== null) {
    const answer: {
      result: { isError?: boolean; structuredContent: Paged };
      text: string;
      requests: number;
    } = await call<Paged>(tool, {
      ...args,
      start,
      ...(snapshot ? { snapshot } : {}),
    });
    const { result, text, requests: made } = answer;
    expect(result.isError, text).toBeFalsy();
    const data: Paged = result.structuredContent;
    answers.push({ ...data, text });
    rows.push(...rowsOf(data));
    requests.push(made);
    if (data.nextStart !== null) {
      expect(data.snapshot).toMatch(/^[0-9a-f]{12}$/);
      expect(text).toContain(`next start=${data.nextStart} snapshot=${data.snapshot}`);
    } else if (start === 0) {
      expect(data.snapshot).toBeNull();
    }
    snapshot = data.snapshot;
    start = data.nextStart;
  }
  return { rows, requests, answers };
}

async function bulk(options: BulkOptions) {
  return toolHarness({ simulator: { bulk: options } });
}

describe("paging from a snapshot", () => {
  it("list_backups: the pages after the first cost no upstream request and fit together", async () => {
    const { call } = await bulk({ volumes: 300 });
    type Backups = Paged & { backups: { volid: string }[] };
    const { rows, requests, answers } = await readAll(
      call,
      "list_backups",
      (d) => (d as Backups).backups.map((b) => b.volid),
      { limit: 40 },
    );
    expect(answers.length).toBeGreaterThan(3);
    expect(requests[0]).toBeGreaterThan(1);
    expect(requests.slice(1).every((n) => n === 0)).toBe(true);
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows).toHaveLength(answers[0]?.total ?? -1);
    // Every page says it comes from the first read, and when that was.
    const first = answers[0];
    for (const later of answers.slice(1)) {
      expect(later.snapshot).toBe(first?.snapshot);
      expect(later.readAt).toBe(first?.readAt);
      expect(later.text).toContain("From the read of");
    }
    // Without the snapshot a page reads Proxmox again, as before.
    const plain = await call<Paged>("list_backups", { limit: 40, start: 40 });
    expect(plain.requests).toBe(requests[0]);
    expect(plain.result.structuredContent.snapshot).not.toBe(first?.snapshot);
  });

  it("list_backups: the same rows as paging without snapshots", async () => {
    const { call } = await bulk({ volumes: 120 });
    type Backups = Paged & { backups: { volid: string }[] };
    const volids = (d: Paged) => (d as Backups).backups.map((b) => b.volid);
    const snapshotted = await readAll(call, "list_backups", volids, { limit: 30 });
    const plain: string[] = [];
    for (let start: number | null = 0; start !== null; ) {
      const page: { result: { structuredContent: Backups } } = await call<Backups>("list_backups", {
        limit: 30,
        start,
      });
      plain.push(...volids(page.result.structuredContent));
      start = page.result.structuredContent.nextStart;
    }
    expect(snapshotted.rows).toEqual(plain);
  });

  it("list_guests: one inventory request for the whole list", async () => {
    const { call } = await bulk({ guests: 600 });
    type Guests = Paged & { guests: { vmid: number }[] };
    const { rows, requests } = await readAll(call, "list_guests", (d) =>
      (d as Guests).guests.map((g) => g.vmid),
    );
    expect(requests.length).toBeGreaterThan(2);
    expect(requests.reduce((a, b) => a + b, 0)).toBe(1);
    expect(rows).toHaveLength(614);
    expect(new Set(rows).size).toBe(614);
  });

  it("reads afresh and says so when the snapshot is gone or was taken for other arguments", async () => {
    const { call } = await bulk({ guests: 300 });
    const gone = await call<Paged>("list_guests", { start: 50, snapshot: "0123456789ab" });
    expect(gone.result.isError).toBeFalsy();
    expect(gone.requests).toBe(1);
    expect(gone.result.structuredContent).toMatchObject({ start: 50, snapshotMissed: "expired" });
    expect(gone.text).toContain("Snapshot 0123456789ab expired");
    expect(gone.text).toContain("read afresh");
    // The fresh read hands out a snapshot of its own for the pages after it.
    expect(gone.result.structuredContent.snapshot).toMatch(/^[0-9a-f]{12}$/);

    const running = await call<Paged>("list_guests", { status: "running", limit: 20 });
    const snapshot = running.result.structuredContent.snapshot;
    expect(snapshot).toBeTruthy();
    const other = await call<Paged>("list_guests", { status: "stopped", start: 20, snapshot });
    expect(other.requests).toBe(1);
    expect(other.result.structuredContent.snapshotMissed).toBe("other_arguments");
    expect(other.text).toContain("was taken for other arguments");
    // The limit may change between pages: it is not part of the argument set.
    const wider = await call<Paged>("list_guests", {
      status: "running",
      start: 20,
      limit: 40,
      snapshot,
    });
    expect(wider.requests).toBe(0);
    expect(wider.result.structuredContent.snapshotMissed).toBeNull();
    // Another tool's snapshot is not served either.
    const tasks = await call<Paged>("list_tasks", { start: 5, snapshot });
    expect(tasks.requests).toBe(1);
    expect(tasks.result.structuredContent.snapshotMissed).toBe("other_arguments");
  });

  it("a list that fits one page keeps no snapshot", async () => {
    const { call, snapshots } = await toolHarness();
    const { result, text } = await call<Paged>("list_guests", {});
    expect(result.structuredContent).toMatchObject({ nextStart: null, snapshot: null });
    expect(text).not.toContain("snapshot");
    const stored = await runInDurableObject(
      snapshots,
      (_instance, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM page_snapshots").one().n,
    );
    expect(stored).toBe(0);
  });

  it("list_templates: the kinds the first read covered page from it, others read afresh", async () => {
    const { call } = await bulk({ guests: 600, volumes: 300 });
    type Templates = Paged & {
      pages: Record<"guest" | "vztmpl" | "iso", { nextStart: number | null } | null>;
      isos: { volid: string }[] | null;
    };
    const all = await call<Templates>("list_templates", {});
    const { snapshot, pages } = all.result.structuredContent;
    expect(snapshot).toMatch(/^[0-9a-f]{12}$/);
    expect(all.text).toContain(`kind=iso start=${pages.iso?.nextStart} snapshot=${snapshot}`);
    const isos = await call<Templates>("list_templates", {
      kind: "iso",
      start: pages.iso?.nextStart,
      snapshot,
    });
    expect(isos.requests).toBe(0);
    expect(isos.result.structuredContent.isos?.[0]?.volid).not.toBe(
      all.result.structuredContent.isos?.at(-1)?.volid,
    );
    // A snapshot of ISOs alone cannot serve container templates.
    const onlyIsos = await call<Templates>("list_templates", { kind: "iso" });
    const vztmpl = await call<Templates>("list_templates", {
      kind: "vztmpl",
      snapshot: onlyIsos.result.structuredContent.snapshot,
    });
    expect(vztmpl.requests).toBeGreaterThan(0);
    expect(vztmpl.result.structuredContent.snapshotMissed).toBe("other_arguments");
  });

  it("list_tasks: pages from one task list", async () => {
    const { call } = await bulk({ nodes: 8, tasksPerNode: 30 });
    type Tasks = Paged & { tasks: { upid: string }[] };
    const { rows, requests } = await readAll(
      call,
      "list_tasks",
      (d) => (d as Tasks).tasks.map((t) => t.upid),
      { limit: 50 },
    );
    expect(requests).toEqual([1, 0, 0, 0, 0]);
    expect(new Set(rows).size).toBe(204);
  });

  it("keys argument sets by value, whatever their order", () => {
    expect(argumentKey({ b: 1, a: "x", c: undefined })).toBe(argumentKey({ a: "x", b: 1 }));
    expect(argumentKey({ a: 1 })).not.toBe(argumentKey({ a: 2 }));
  });
});
