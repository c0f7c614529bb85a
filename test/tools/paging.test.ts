import { describe, expect, it } from "vitest";
import type { BulkOptions } from "../../simulator/src/model/bulk";
import { brief, PAGE_CHARS, pageNote, pageOf } from "../../src/tools/support/paging";
import { toolHarness } from "../support/tool-harness";

/** Rows of a page plus the header and other fields: well below the ~100k a client accepts. */
const MAX_ANSWER = 70_000;

type Answer = Record<string, unknown> & {
  start: number;
  total: number;
  returned: number;
  nextStart: number | null;
  truncated: boolean;
};

type Call = Awaited<ReturnType<typeof toolHarness>>["call"];

/** Calls a tool and returns its data and the size of the whole answer (text + data). */
async function sized<T = Answer>(call: Call, name: string, args: Record<string, unknown>) {
  const { result, text, requests } = await call<T>(name, args);
  expect(result.isError, text).toBeFalsy();
  const size = text.length + JSON.stringify(result.structuredContent).length;
  return { data: result.structuredContent, text, size, requests };
}

async function bulk(options: BulkOptions) {
  return toolHarness({ simulator: { bulk: options } });
}

describe("pageOf", () => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, text: "x".repeat(100) }));

  it("cuts by the size of the JSON plus the text line, and says where to go on", () => {
    const page = pageOf(rows, { limit: 200, chars: 1_000, line: (r) => `${r.id} ${r.text}` });
    // Each row: 28 characters of JSON (plus 100 of text) and a 104-character line.
    expect(page.returned).toBe(4);
    expect(page).toMatchObject({ start: 0, total: 50, nextStart: 4, truncated: true });
    expect(pageNote(page)).toBe("Showing 1-4 of 50; next start=4.");
    const last = pageOf(rows, { start: 48, line: (r) => String(r.id) });
    expect(last).toMatchObject({ returned: 2, nextStart: null, truncated: false });
    expect(pageNote(last)).toBe("Showing 49-50 of 50.");
    expect(pageNote(pageOf(rows, { line: String }))).toBe("");
  });

  it("always moves on by at least one row, and says when start is past the end", () => {
    const huge = [{ blob: "y".repeat(PAGE_CHARS * 2) }, { blob: "z" }];
    expect(pageOf(huge, { line: () => "" }).returned).toBe(1);
    const past = pageOf(rows, { start: 60, line: String });
    expect(past).toMatchObject({ returned: 0, nextStart: null });
    expect(pageNote(past)).toBe("Nothing from start=60: there are 50.");
  });

  it("shortens free text to its first line", () => {
    expect(brief("one line")).toBe("one line");
    expect(brief("\n  first\nsecond")).toBe("first …");
    expect(brief("a".repeat(300))).toHaveLength(200);
    expect(brief("   \n ")).toBeNull();
    expect(brief(undefined)).toBeNull();
  });
});

describe("list_guests at scale", () => {
  it("pages 614 guests below the answer budget and nextStart reaches every one once", async () => {
    const { call } = await bulk({ guests: 600 });
    const seen: number[] = [];
    let start: number | null = 0;
    let pages = 0;
    type Guests = Answer & { guests: { vmid: number }[] };
    while (start !== null) {
      const page: { data: Guests; text: string; size: number; requests: number } =
        await sized<Guests>(call, "list_guests", { start });
      expect(page.size).toBeLessThan(MAX_ANSWER);
      expect(page.requests).toBe(1);
      expect(page.data).toMatchObject({ start, total: 614, unfiltered: 614 });
      if (page.data.nextStart !== null)
        expect(page.text).toContain(`next start=${page.data.nextStart}`);
      seen.push(...page.data.guests.map((g) => g.vmid));
      start = page.data.nextStart;
      pages++;
    }
    expect(pages).toBeGreaterThan(3);
    expect(seen).toHaveLength(614);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(614);
  });
});

describe("list_tasks at scale", () => {
  it("cuts 200 tasks by size and gets the rest with nextStart", async () => {
    // Each node lists its newest 25 tasks, as PVE's tasklist does.
    const { call } = await bulk({ nodes: 8, tasksPerNode: 30 });
    const first = await sized<Answer & { tasks: { upid: string }[] }>(call, "list_tasks", {
      limit: 200,
    });
    expect(first.data).toMatchObject({ total: 204, unfiltered: 204, truncated: true });
    expect(first.data.returned).toBeLessThan(200);
    expect(first.data.nextStart).toBe(first.data.returned);
    expect(first.size).toBeLessThan(MAX_ANSWER);
    const rest = await sized<Answer & { tasks: { upid: string }[] }>(call, "list_tasks", {
      limit: 200,
      start: first.data.nextStart,
    });
    expect(rest.data.nextStart).toBeNull();
    const upids = [...first.data.tasks, ...rest.data.tasks].map((t) => t.upid);
    expect(new Set(upids).size).toBe(204);
  });
});

describe("cluster_log at scale", () => {
  it("keeps 200 entries below the budget and pages to older ones", async () => {
    const { call } = await bulk({ nodes: 8, tasksPerNode: 25 });
    type Log = Answer & { entries: { time: number; msg: string }[] };
    const first = await sized<Log>(call, "cluster_log", { limit: 200 });
    expect(first.size).toBeLessThan(MAX_ANSWER);
    expect(first.data.returned).toBeLessThan(200);
    expect(first.data.nextStart).toBe(first.data.returned);
    const next = await sized<Log>(call, "cluster_log", {
      start: first.data.nextStart,
      limit: 20,
    });
    expect(next.data.entries).toHaveLength(20);
    expect(next.data.entries[0]?.time).toBeLessThanOrEqual(first.data.entries.at(-1)?.time ?? 0);
    expect(next.data.nextStart).toBe((first.data.nextStart ?? 0) + 20);
  });
});

describe("storage_content and list_backups at scale", () => {
  type Volumes = Answer & { volumes: { volid: string; notes: string | null }[] };
  type Backups = Answer & {
    backups: { volid: string; notes: string | null }[];
    skipped: { storage: string; node: string | null; reason: string }[];
  };

  it("storage_content cuts notes to their first line and pages by size", async () => {
    const { call } = await bulk({ volumes: 300 });
    const first = await sized<Volumes>(call, "storage_content", {
      storage: "nas-nfs",
      limit: 200,
    });
    // 15 demo volumes, 300 backups and 300 ISOs.
    expect(first.data).toMatchObject({ total: 615, truncated: true });
    expect(first.data.returned).toBeLessThan(200);
    expect(first.size).toBeLessThan(MAX_ANSWER);
    const noted = first.data.volumes.find((v) => v.volid.endsWith("bulk-00000.vma.zst"));
    expect(noted?.notes).toBe("Backup 0 before the quarterly maintenance window …");
    const next = await sized<Volumes>(call, "storage_content", {
      storage: "nas-nfs",
      limit: 200,
      start: first.data.nextStart,
    });
    expect(next.data.start).toBe(first.data.nextStart);
    expect(next.data.volumes[0]?.volid).not.toBe(first.data.volumes.at(-1)?.volid);
  });

  it("list_backups pages 311 backups newest first below the budget", async () => {
    const { call } = await bulk({ volumes: 300 });
    const first = await sized<Backups>(call, "list_backups", { storage: "nas-nfs", limit: 200 });
    expect(first.data).toMatchObject({ total: 311, truncated: true });
    expect(first.data.returned).toBeLessThan(200);
    expect(first.size).toBeLessThan(MAX_ANSWER);
    expect(first.data.backups.every((b) => (b.notes ?? "").length <= 200)).toBe(true);
    const next = await sized<Backups>(call, "list_backups", {
      storage: "nas-nfs",
      limit: 200,
      start: first.data.nextStart,
    });
    expect(next.data.returned).toBe(311 - first.data.returned);
    expect(next.data.nextStart).toBeNull();
  });

  it("list_backups reads no more storages than the request budget allows and names the rest", async () => {
    const { call } = await bulk({ storages: 60 });
    const all = await sized<Backups>(call, "list_backups", {});
    // 1 inventory request + as many storages as fit, with room left for retries.
    expect(all.requests).toBeLessThanOrEqual(40);
    const unread = all.data.skipped.filter((s) => s.reason.startsWith("request budget"));
    // 63 storage reads wanted (60 bulk, local on pve1 and pve2, nas-nfs), 34 made.
    expect(all.requests).toBe(35);
    expect(unread).toHaveLength(29);
    expect(unread.map((s) => s.storage)).toContain("nas-nfs");
    expect(all.text).toContain("Not read: nas-nfs: request budget");
    // Asking for that storage alone reads it.
    const one = await sized<Backups>(call, "list_backups", { storage: "nas-nfs" });
    expect(one.requests).toBe(2);
    expect(one.data.total).toBe(11);
  });
});

describe("list_templates at scale", () => {
  type Templates = {
    guestTemplates: { vmid: number }[] | null;
    isos: { volid: string }[] | null;
    containerTemplates: unknown[] | null;
    pages: Record<
      "guest" | "vztmpl" | "iso",
      { total: number; returned: number; nextStart: number | null } | null
    >;
    truncated: boolean;
    skipped: { storage: string; reason: string }[];
  };

  it("shares the budget between its lists and pages one kind with start", async () => {
    const { call } = await bulk({ guests: 600, volumes: 300 });
    const all = await sized<Templates>(call, "list_templates", {});
    expect(all.size).toBeLessThan(MAX_ANSWER);
    expect(all.data.truncated).toBe(true);
    expect(all.data.pages.guest).toEqual({ total: 62, returned: 62, nextStart: null });
    const isos = all.data.pages.iso;
    expect(isos?.total).toBe(305);
    expect(isos?.nextStart).toBe(isos?.returned);
    expect(all.text).toContain(`kind=iso start=${isos?.nextStart}`);
    const more = await sized<Templates>(call, "list_templates", {
      kind: "iso",
      start: isos?.nextStart,
    });
    expect(more.data.guestTemplates).toBeNull();
    expect(more.data.pages.iso?.total).toBe(305);
    expect(more.data.isos?.[0]?.volid).not.toBe(all.data.isos?.at(-1)?.volid);
    expect(more.size).toBeLessThan(MAX_ANSWER);
    // Guest templates come from the inventory alone.
    const guests = await sized<Templates>(call, "list_templates", { kind: "guest" });
    expect(guests.requests).toBe(1);
  });

  it("reads no more storages than the budget allows", async () => {
    const { call } = await bulk({ storages: 60 });
    const all = await sized<Templates>(call, "list_templates", { kind: "iso" });
    expect(all.requests).toBe(35);
    expect(all.data.skipped.filter((s) => s.reason.startsWith("request budget"))).toHaveLength(29);
    expect(all.text).toContain("storage_content with storage and content reads it");
  });

  it("refuses start without one kind", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("list_templates", { start: 5 });
    expect(result.isError).toBe(true);
    expect(text).toContain("kind=guest, vztmpl or iso");
    expect(requests).toBe(0);
  });
});

describe("access at scale", () => {
  type Access = {
    users: { userid: string; comment: string | null }[] | null;
    groups: { groupid: string; users: string[]; userCount: number }[] | null;
    pages: Record<string, { total: number; returned: number; nextStart: number | null } | null>;
    truncated: boolean;
  };

  it("keeps 1000 directory users, their groups and ACLs below the budget and pages them", async () => {
    const { call } = await bulk({ users: 1000 });
    const all = await sized<Access>(call, "access", {});
    expect(all.size).toBeLessThan(MAX_ANSWER);
    expect(all.data.truncated).toBe(true);
    const users = all.data.pages.users;
    expect(users?.total).toBe(1003);
    expect(users?.nextStart).toBe(users?.returned);
    expect(all.text).toContain(`kind=users start=${users?.nextStart}`);
    const team = all.data.groups?.find((g) => g.groupid === "team-000");
    expect(team?.users).toHaveLength(20);
    expect(team?.userCount).toBe(100);
    expect(all.data.users?.every((u) => (u.comment ?? "").length <= 200)).toBe(true);

    const more = await sized<Access>(call, "access", { kind: "users", start: users?.nextStart });
    expect(more.size).toBeLessThan(MAX_ANSWER);
    expect(more.data.groups).toBeNull();
    expect(more.data.users?.[0]?.userid).not.toBe(all.data.users?.at(-1)?.userid);
    expect(more.data.pages.users?.total).toBe(1003);
  });

  it("refuses start without one kind", async () => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("access", { start: 10 });
    expect(result.isError).toBe(true);
    expect(text).toContain("kind=users, groups, roles or acl");
    expect(requests).toBe(0);
  });
});

describe("firewall at scale", () => {
  const big: BulkOptions = {
    firewall: { rules: 300, aliases: 300, groups: 40, ipsets: 40, entries: 2000 },
  };
  type Firewall = Answer & {
    rules: unknown[] | null;
    groups: { name: string; rules: unknown[] | null; ruleCount: number | null }[] | null;
    aliases: unknown[] | null;
    ipsets:
      | { name: string; entries: { cidr: string }[] | null; entryCount: number | null }[]
      | null;
  };

  it("keeps the datacenter overview within the request and size budgets", async () => {
    const { call } = await bulk(big);
    const { data, size, requests, text } = await sized<Firewall>(call, "firewall", {
      scope: "cluster",
    });
    // 5 lists + 30 groups and IP sets, 5 requests kept for retries.
    expect(requests).toBe(35);
    expect(size).toBeLessThan(MAX_ANSWER);
    expect(data).toMatchObject({ total: 305, truncated: true });
    expect(data.nextStart).toBe(data.returned);
    const fetchedGroups = data.groups?.filter((g) => g.rules !== null) ?? [];
    const fetchedSets = data.ipsets?.filter((s) => s.entries !== null) ?? [];
    expect(fetchedGroups).toHaveLength(15);
    expect(fetchedSets).toHaveLength(15);
    const blocklist = data.ipsets?.find((s) => s.name === "blocklist-000");
    expect(blocklist?.entryCount).toBe(2000);
    expect(blocklist?.entries?.length).toBeLessThanOrEqual(20);
    expect(text).toContain("section=ipset name=blocklist-000 pages them");
    expect(text).toContain("section=group name=sg-039 reads them");
    expect(text).toContain(`section=rules start=${data.nextStart}`);
  });

  it("pages one IP set's entries, and reads a group the overview left out", async () => {
    const { call } = await bulk(big);
    const first = await sized<Firewall>(call, "firewall", {
      scope: "cluster",
      section: "ipset",
      name: "blocklist-000",
    });
    expect(first.requests).toBe(3);
    expect(first.data).toMatchObject({ total: 2000, returned: 200, nextStart: 200 });
    expect(first.data.rules).toBeNull();
    const next = await sized<Firewall>(call, "firewall", {
      scope: "cluster",
      section: "ipset",
      name: "blocklist-000",
      start: 200,
    });
    expect(next.data.ipsets?.[0]?.entries?.[0]?.cidr).toBe("1.0.200.0/24");
    const group = await sized<Firewall>(call, "firewall", {
      scope: "cluster",
      section: "group",
      name: "sg-039",
    });
    expect(group.data.groups).toEqual([expect.objectContaining({ name: "sg-039", ruleCount: 2 })]);
    const rules = await sized<Firewall>(call, "firewall", { scope: "cluster", section: "rules" });
    expect(rules.requests).toBe(2);
    expect(rules.size).toBeLessThan(MAX_ANSWER);
    expect(rules.data.nextStart).toBe(rules.data.returned);
  });

  it.each([
    [{ scope: "cluster", section: "ipset" }, /section=ipset needs the name argument/],
    [{ scope: "cluster", name: "x1" }, /name argument does not apply/],
    [{ scope: "node", node: "pve1", section: "aliases" }, /no aliases of its own/],
    [{ scope: "guest", guest: 101, section: "group", name: "webserver" }, /datacenter level only/],
    [{ scope: "cluster", section: "everything" }, /section must be one of/],
  ])("refuses %j without a request", async (args, message) => {
    const { call } = await toolHarness();
    const { result, text, requests } = await call("firewall", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(message);
    expect(requests).toBe(0);
  });

  it("names the IP sets there are for an unknown one", async () => {
    const { call } = await toolHarness();
    const { result, text } = await call("firewall", {
      scope: "cluster",
      section: "ipset",
      name: "nope",
    });
    expect(result.isError).toBe(true);
    expect(text).toContain("There is no IP set 'nope' here. IP sets: blocklist, management.");
  });
});

describe("the per-call request budget", () => {
  it("turns a call that needs more requests into an error that says how to narrow it", async () => {
    const { call } = await toolHarness({ maxRequests: 3 });
    const { result, text, requests } = await call("firewall", { scope: "cluster" });
    expect(result.isError).toBe(true);
    expect(requests).toBe(3);
    expect(text).toContain("needed more than 3 Proxmox requests");
    expect(text).toContain("Hint: Narrow the request");
  });
});
