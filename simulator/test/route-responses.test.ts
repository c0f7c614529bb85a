// Every implemented route answers data that satisfies the return schema of
// its endpoint in the PVE contract (with exact JSON types: integers are
// numbers, strings are strings, booleans 0/1).

import { describe, expect, it } from "vitest";
import { checkProp, contract, type ErrorMap, type JsonValue } from "../src/contract";
import { routes } from "../src/routes/index";
import { call, createSimulator } from "./helpers";

interface Sample {
  path: string;
  query?: Record<string, string>;
}

/** Fixture backups (times derived from the test clock T0, 2026-11-22 09:30 UTC). */
const NIGHTLY_100 = "nas-nfs:backup/vzdump-qemu-100-2026_11_22-02_00_03.vma.zst";
const MANUAL_101 = "nas-nfs:backup/vzdump-qemu-101-2026_11_01-06_30_00.vma.zst";

/** One valid request per route (a fresh cluster each, so state changes do not interfere). */
const SAMPLES: Record<string, Sample[]> = {
  "GET /version": [{ path: "/version" }],
  "POST /access/ticket": [{ path: "/access/ticket" }],
  "GET /access/permissions": [
    { path: "/access/permissions" },
    { path: "/access/permissions", query: { path: "/vms/100" } },
  ],
  "GET /cluster/resources": [
    { path: "/cluster/resources" },
    { path: "/cluster/resources", query: { type: "vm" } },
    { path: "/cluster/resources", query: { type: "storage" } },
  ],
  "GET /cluster/status": [{ path: "/cluster/status" }],
  "GET /cluster/tasks": [{ path: "/cluster/tasks" }],
  "GET /cluster/nextid": [{ path: "/cluster/nextid" }],
  "GET /nodes": [{ path: "/nodes" }],
  "GET /nodes/{node}/status": [{ path: "/nodes/pve1/status" }, { path: "/nodes/pve2/status" }],
  "GET /nodes/{node}/tasks": [
    { path: "/nodes/pve1/tasks" },
    { path: "/nodes/pve1/tasks", query: { source: "all", limit: "2" } },
  ],
  "GET /nodes/{node}/tasks/{upid}/status": [{ path: "/nodes/pve1/tasks/{upid}/status" }],
  "GET /nodes/{node}/tasks/{upid}/log": [{ path: "/nodes/pve1/tasks/{upid}/log" }],
  "GET /nodes/{node}/qemu": [
    { path: "/nodes/pve1/qemu" },
    { path: "/nodes/pve1/qemu", query: { full: "1" } },
  ],
  "GET /nodes/{node}/lxc": [{ path: "/nodes/pve1/lxc" }, { path: "/nodes/pve2/lxc" }],
  "GET /nodes/{node}/qemu/{vmid}/status/current": [
    { path: "/nodes/pve1/qemu/100/status/current" },
    { path: "/nodes/pve1/qemu/102/status/current" },
    { path: "/nodes/pve1/qemu/9000/status/current" },
  ],
  "GET /nodes/{node}/lxc/{vmid}/status/current": [
    { path: "/nodes/pve1/lxc/110/status/current" },
    { path: "/nodes/pve2/lxc/9001/status/current" },
  ],
  "GET /nodes/{node}/qemu/{vmid}/config": [
    { path: "/nodes/pve1/qemu/100/config" },
    { path: "/nodes/pve1/qemu/101/config" },
    { path: "/nodes/pve1/qemu/102/config" },
    { path: "/nodes/pve1/qemu/103/config" },
    { path: "/nodes/pve1/qemu/9000/config" },
    { path: "/nodes/pve2/qemu/200/config" },
    { path: "/nodes/pve2/qemu/201/config" },
    { path: "/nodes/pve1/qemu/100/config", query: { snapshot: "pre-upgrade" } },
  ],
  "GET /nodes/{node}/lxc/{vmid}/config": [
    { path: "/nodes/pve1/lxc/110/config" },
    { path: "/nodes/pve1/lxc/111/config" },
    { path: "/nodes/pve2/lxc/210/config" },
    { path: "/nodes/pve2/lxc/211/config" },
    { path: "/nodes/pve2/lxc/9001/config" },
  ],
  "GET /nodes/{node}/qemu/{vmid}/snapshot": [{ path: "/nodes/pve1/qemu/100/snapshot" }],
  "GET /nodes/{node}/lxc/{vmid}/snapshot": [{ path: "/nodes/pve1/lxc/111/snapshot" }],
  "GET /nodes/{node}/storage": [
    { path: "/nodes/pve1/storage" },
    { path: "/nodes/pve2/storage", query: { format: "1", content: "images" } },
  ],
  "GET /nodes/{node}/storage/{storage}/content": [
    { path: "/nodes/pve1/storage/nas-nfs/content" },
    { path: "/nodes/pve1/storage/local/content" },
    { path: "/nodes/pve1/storage/local-lvm/content" },
    { path: "/nodes/pve2/storage/local-lvm/content", query: { content: "rootdir" } },
  ],
  "GET /nodes/{node}/storage/{storage}/status": [
    { path: "/nodes/pve1/storage/local-lvm/status" },
    { path: "/nodes/pve2/storage/nas-nfs/status" },
  ],
  "GET /storage": [{ path: "/storage" }],
  "GET /cluster/backup": [{ path: "/cluster/backup" }],
  "GET /cluster/replication": [{ path: "/cluster/replication" }],
  "GET /nodes/{node}/qemu/{vmid}/pending": [
    { path: "/nodes/pve1/qemu/101/pending" },
    { path: "/nodes/pve1/qemu/9000/pending" },
  ],
  "GET /nodes/{node}/lxc/{vmid}/pending": [{ path: "/nodes/pve1/lxc/110/pending" }],
  "GET /nodes/{node}/qemu/{vmid}/agent/get-osinfo": [
    { path: "/nodes/pve1/qemu/100/agent/get-osinfo" },
  ],
  "GET /nodes/{node}/qemu/{vmid}/agent/get-host-name": [
    { path: "/nodes/pve1/qemu/101/agent/get-host-name" },
  ],
  "GET /nodes/{node}/qemu/{vmid}/agent/get-fsinfo": [
    { path: "/nodes/pve1/qemu/101/agent/get-fsinfo" },
  ],
  "GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces": [
    { path: "/nodes/pve2/qemu/200/agent/network-get-interfaces" },
  ],
  "GET /nodes/{node}/lxc/{vmid}/interfaces": [
    { path: "/nodes/pve1/lxc/110/interfaces" },
    { path: "/nodes/pve2/lxc/210/interfaces" },
  ],
  "GET /cluster/firewall/options": [{ path: "/cluster/firewall/options" }],
  "GET /cluster/firewall/rules": [{ path: "/cluster/firewall/rules" }],
  "GET /cluster/firewall/groups": [{ path: "/cluster/firewall/groups" }],
  "GET /cluster/firewall/groups/{group}": [{ path: "/cluster/firewall/groups/webserver" }],
  "GET /cluster/firewall/aliases": [{ path: "/cluster/firewall/aliases" }],
  "GET /cluster/firewall/ipset": [{ path: "/cluster/firewall/ipset" }],
  "GET /cluster/firewall/ipset/{name}": [{ path: "/cluster/firewall/ipset/blocklist" }],
  "GET /nodes/{node}/firewall/options": [
    { path: "/nodes/pve1/firewall/options" },
    { path: "/nodes/pve2/firewall/options" },
  ],
  "GET /nodes/{node}/firewall/rules": [{ path: "/nodes/pve1/firewall/rules" }],
  "GET /nodes/{node}/qemu/{vmid}/firewall/options": [
    { path: "/nodes/pve1/qemu/100/firewall/options" },
    { path: "/nodes/pve1/qemu/103/firewall/options" },
  ],
  "GET /nodes/{node}/qemu/{vmid}/firewall/rules": [{ path: "/nodes/pve1/qemu/101/firewall/rules" }],
  "GET /nodes/{node}/qemu/{vmid}/firewall/aliases": [
    { path: "/nodes/pve1/qemu/101/firewall/aliases" },
  ],
  "GET /nodes/{node}/qemu/{vmid}/firewall/ipset": [{ path: "/nodes/pve1/qemu/101/firewall/ipset" }],
  "GET /nodes/{node}/qemu/{vmid}/firewall/ipset/{name}": [
    { path: "/nodes/pve1/qemu/101/firewall/ipset/app-servers" },
  ],
  "GET /nodes/{node}/lxc/{vmid}/firewall/options": [
    { path: "/nodes/pve1/lxc/110/firewall/options" },
  ],
  "GET /nodes/{node}/lxc/{vmid}/firewall/rules": [{ path: "/nodes/pve1/lxc/110/firewall/rules" }],
  "GET /nodes/{node}/lxc/{vmid}/firewall/aliases": [
    { path: "/nodes/pve1/lxc/110/firewall/aliases" },
  ],
  "GET /nodes/{node}/lxc/{vmid}/firewall/ipset": [{ path: "/nodes/pve1/lxc/110/firewall/ipset" }],
  "GET /nodes/{node}/lxc/{vmid}/firewall/ipset/{name}": [
    { path: "/nodes/pve1/lxc/110/firewall/ipset/ipfilter-net0" },
  ],
  "GET /nodes/{node}/rrddata": [
    { path: "/nodes/pve1/rrddata", query: { timeframe: "hour" } },
    { path: "/nodes/pve2/rrddata", query: { timeframe: "week", cf: "MAX" } },
    { path: "/nodes/pve3/rrddata", query: { timeframe: "decade" } },
  ],
  "GET /nodes/{node}/qemu/{vmid}/rrddata": [
    { path: "/nodes/pve1/qemu/103/rrddata", query: { timeframe: "week" } },
    { path: "/nodes/pve1/qemu/102/rrddata", query: { timeframe: "hour" } },
  ],
  "GET /nodes/{node}/lxc/{vmid}/rrddata": [
    { path: "/nodes/pve1/lxc/111/rrddata", query: { timeframe: "day", cf: "MAX" } },
  ],
  "GET /access/users": [{ path: "/access/users" }, { path: "/access/users", query: { full: "1" } }],
  "GET /access/groups": [{ path: "/access/groups" }],
  "GET /access/roles": [{ path: "/access/roles" }],
  "GET /access/acl": [{ path: "/access/acl" }],
  "GET /cluster/ha/resources": [
    { path: "/cluster/ha/resources" },
    { path: "/cluster/ha/resources", query: { type: "ct" } },
  ],
  "GET /cluster/ha/status/current": [{ path: "/cluster/ha/status/current" }],
  "GET /cluster/log": [{ path: "/cluster/log" }, { path: "/cluster/log", query: { max: "3" } }],
  "GET /nodes/{node}/services": [
    { path: "/nodes/pve1/services" },
    { path: "/nodes/pve2/services" },
  ],
  "GET /nodes/{node}/time": [{ path: "/nodes/pve1/time" }, { path: "/nodes/pve2/time" }],
  "GET /nodes/{node}/network": [
    { path: "/nodes/pve1/network" },
    { path: "/nodes/pve1/network", query: { type: "any_bridge" } },
    { path: "/nodes/pve2/network", query: { type: "eth" } },
  ],
  "POST /nodes/{node}/qemu/{vmid}/status/start": [{ path: "/nodes/pve2/qemu/201/status/start" }],
  "POST /nodes/{node}/qemu/{vmid}/status/stop": [{ path: "/nodes/pve1/qemu/100/status/stop" }],
  "POST /nodes/{node}/qemu/{vmid}/status/shutdown": [
    { path: "/nodes/pve1/qemu/100/status/shutdown" },
  ],
  "POST /nodes/{node}/qemu/{vmid}/status/reboot": [{ path: "/nodes/pve1/qemu/101/status/reboot" }],
  "POST /nodes/{node}/qemu/{vmid}/status/reset": [{ path: "/nodes/pve1/qemu/101/status/reset" }],
  "POST /nodes/{node}/qemu/{vmid}/status/suspend": [
    { path: "/nodes/pve1/qemu/103/status/suspend" },
  ],
  "POST /nodes/{node}/qemu/{vmid}/status/resume": [{ path: "/nodes/pve1/qemu/103/status/resume" }],
  "POST /nodes/{node}/lxc/{vmid}/status/start": [{ path: "/nodes/pve2/lxc/211/status/start" }],
  "POST /nodes/{node}/lxc/{vmid}/status/stop": [{ path: "/nodes/pve1/lxc/110/status/stop" }],
  "POST /nodes/{node}/lxc/{vmid}/status/shutdown": [
    { path: "/nodes/pve1/lxc/110/status/shutdown" },
  ],
  "POST /nodes/{node}/lxc/{vmid}/status/reboot": [{ path: "/nodes/pve1/lxc/111/status/reboot" }],
  "POST /nodes/{node}/lxc/{vmid}/status/suspend": [{ path: "/nodes/pve1/lxc/111/status/suspend" }],
  "POST /nodes/{node}/lxc/{vmid}/status/resume": [{ path: "/nodes/pve2/lxc/211/status/resume" }],
  "POST /nodes/{node}/qemu/{vmid}/snapshot": [
    { path: "/nodes/pve1/qemu/100/snapshot", query: { snapname: "s1", vmstate: "1" } },
  ],
  "POST /nodes/{node}/lxc/{vmid}/snapshot": [
    { path: "/nodes/pve1/lxc/111/snapshot", query: { snapname: "s1", description: "x" } },
  ],
  "GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}": [
    { path: "/nodes/pve1/qemu/100/snapshot/pre-upgrade" },
  ],
  "GET /nodes/{node}/lxc/{vmid}/snapshot/{snapname}": [
    { path: "/nodes/pve1/lxc/111/snapshot/before-nc30" },
  ],
  "DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}": [
    { path: "/nodes/pve1/qemu/100/snapshot/pre-upgrade" },
  ],
  "DELETE /nodes/{node}/lxc/{vmid}/snapshot/{snapname}": [
    { path: "/nodes/pve1/lxc/111/snapshot/before-nc30", query: { force: "1" } },
  ],
  "POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback": [
    { path: "/nodes/pve1/qemu/100/snapshot/nginx-tuned/rollback", query: { start: "1" } },
  ],
  "POST /nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback": [
    { path: "/nodes/pve1/lxc/111/snapshot/before-nc30/rollback" },
  ],
  "GET /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config": [
    { path: "/nodes/pve1/qemu/100/snapshot/nginx-tuned/config" },
  ],
  "GET /nodes/{node}/lxc/{vmid}/snapshot/{snapname}/config": [
    { path: "/nodes/pve1/lxc/111/snapshot/before-nc30/config" },
  ],
  "PUT /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/config": [
    { path: "/nodes/pve1/qemu/100/snapshot/pre-upgrade/config", query: { description: "x" } },
  ],
  "PUT /nodes/{node}/lxc/{vmid}/snapshot/{snapname}/config": [
    { path: "/nodes/pve1/lxc/111/snapshot/before-nc30/config", query: { description: "x" } },
  ],
  "POST /nodes/{node}/vzdump": [
    { path: "/nodes/pve1/vzdump", query: { vmid: "100", storage: "nas-nfs", compress: "zstd" } },
    { path: "/nodes/pve1/vzdump", query: { vmid: "200" } },
  ],
  "GET /nodes/{node}/vzdump/extractconfig": [
    { path: "/nodes/pve1/vzdump/extractconfig", query: { volume: NIGHTLY_100 } },
  ],
  "GET /nodes/{node}/storage/{storage}/prunebackups": [
    { path: "/nodes/pve1/storage/nas-nfs/prunebackups" },
    { path: "/nodes/pve2/storage/local/prunebackups", query: { "prune-backups": "keep-last=1" } },
  ],
  "DELETE /nodes/{node}/storage/{storage}/prunebackups": [
    { path: "/nodes/pve1/storage/nas-nfs/prunebackups", query: { vmid: "100", type: "qemu" } },
  ],
  "GET /nodes/{node}/storage/{storage}/content/{volume}": [
    { path: `/nodes/pve1/storage/nas-nfs/content/${encodeURIComponent(MANUAL_101)}` },
  ],
  "PUT /nodes/{node}/storage/{storage}/content/{volume}": [
    {
      path: `/nodes/pve1/storage/nas-nfs/content/${encodeURIComponent(NIGHTLY_100)}`,
      query: { notes: "kept", protected: "1" },
    },
  ],
  "DELETE /nodes/{node}/storage/{storage}/content/{volume}": [
    { path: `/nodes/pve1/storage/nas-nfs/content/${encodeURIComponent(NIGHTLY_100)}` },
  ],
  "POST /nodes/{node}/qemu/{vmid}/agent/exec": [
    { path: "/nodes/pve1/qemu/100/agent/exec", query: { command: "hostname" } },
  ],
  "GET /nodes/{node}/qemu/{vmid}/agent/exec-status": [
    { path: "/nodes/pve1/qemu/100/agent/exec-status", query: { pid: "{pid}" } },
  ],
  "PUT /nodes/{node}/qemu/{vmid}/config": [
    { path: "/nodes/pve1/qemu/100/config", query: { memory: "8192", name: "web-01a" } },
  ],
  "POST /nodes/{node}/qemu/{vmid}/config": [
    { path: "/nodes/pve2/qemu/201/config", query: { cores: "2", delete: "tags" } },
  ],
  "PUT /nodes/{node}/lxc/{vmid}/config": [
    { path: "/nodes/pve1/lxc/110/config", query: { memory: "1024", tags: "dns" } },
  ],
  "PUT /nodes/{node}/qemu/{vmid}/resize": [
    { path: "/nodes/pve1/qemu/103/resize", query: { disk: "scsi0", size: "+2G" } },
  ],
  "PUT /nodes/{node}/lxc/{vmid}/resize": [
    { path: "/nodes/pve1/lxc/110/resize", query: { disk: "rootfs", size: "10G" } },
  ],
  "POST /nodes/{node}/qemu/{vmid}/template": [{ path: "/nodes/pve2/qemu/201/template" }],
  "POST /nodes/{node}/lxc/{vmid}/template": [{ path: "/nodes/pve2/lxc/211/template" }],
  "GET /nodes/{node}/qemu/{vmid}/feature": [
    { path: "/nodes/pve1/qemu/9000/feature", query: { feature: "clone" } },
    { path: "/nodes/pve1/qemu/100/feature", query: { feature: "snapshot" } },
  ],
  "GET /nodes/{node}/lxc/{vmid}/feature": [
    { path: "/nodes/pve2/lxc/9001/feature", query: { feature: "clone" } },
  ],
  "POST /nodes/{node}/qemu/{vmid}/clone": [
    { path: "/nodes/pve1/qemu/9000/clone", query: { newid: "120", name: "app-01" } },
    { path: "/nodes/pve1/qemu/100/clone", query: { newid: "121", full: "1" } },
  ],
  "POST /nodes/{node}/lxc/{vmid}/clone": [
    { path: "/nodes/pve2/lxc/9001/clone", query: { newid: "220", hostname: "ct-220" } },
  ],
  "GET /nodes/{node}/qemu/{vmid}/migrate": [
    { path: "/nodes/pve1/qemu/102/migrate" },
    { path: "/nodes/pve1/qemu/100/migrate", query: { target: "pve2" } },
  ],
  "GET /nodes/{node}/lxc/{vmid}/migrate": [{ path: "/nodes/pve1/lxc/110/migrate" }],
  "POST /nodes/{node}/qemu/{vmid}/migrate": [
    { path: "/nodes/pve2/qemu/201/migrate", query: { target: "pve1" } },
    { path: "/nodes/pve1/qemu/100/migrate", query: { target: "pve2", online: "1" } },
  ],
  "POST /nodes/{node}/lxc/{vmid}/migrate": [
    { path: "/nodes/pve1/lxc/110/migrate", query: { target: "pve2", restart: "1" } },
  ],
  "POST /nodes/{node}/qemu": [
    {
      path: "/nodes/pve1/qemu",
      query: { vmid: "130", name: "new-vm", scsi0: "local-lvm:32", net0: "virtio,bridge=vmbr0" },
    },
    {
      path: "/nodes/pve1/qemu",
      query: { vmid: "131", archive: NIGHTLY_100, storage: "local-lvm" },
    },
  ],
  "POST /nodes/{node}/lxc": [
    {
      path: "/nodes/pve1/lxc",
      query: {
        vmid: "140",
        ostemplate: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst",
        rootfs: "local-lvm:8",
      },
    },
  ],
  "DELETE /nodes/{node}/qemu/{vmid}": [{ path: "/nodes/pve2/qemu/201" }],
  "DELETE /nodes/{node}/lxc/{vmid}": [{ path: "/nodes/pve2/lxc/211", query: { purge: "1" } }],
};

describe("route table vs. contract", () => {
  it("has a sample request for every implemented route", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(routes).sort());
  });

  for (const [key, samples] of Object.entries(SAMPLES)) {
    it(`${key} answers data valid against its return schema`, async () => {
      const method = key.split(" ")[0] ?? "GET";
      const endpoint = contract.endpoints[key];
      expect(endpoint?.returns).toBeDefined();
      for (const sample of samples) {
        const { sim } = createSimulator();
        let path = sample.path;
        if (path.includes("{upid}")) {
          const tasks = await call(sim, "GET", "/nodes/pve1/tasks");
          const upid = (tasks.data as { upid: string }[])[0]?.upid ?? "";
          path = path.replace("{upid}", encodeURIComponent(upid));
        }
        let query = sample.query;
        if (query?.pid === "{pid}") {
          const exec = await call(sim, "POST", "/nodes/pve1/qemu/100/agent/exec", {
            form: { command: ["uname", "-a"] },
          });
          query = { pid: String((exec.data as { pid: number }).pid) };
        }
        const res = await call(sim, method, path, {
          query,
          ...(key === "POST /access/ticket"
            ? { authorization: null, form: { username: "demo@pve", password: "demo" } }
            : {}),
        });
        expect(res.status, `${path}: ${res.statusText}`).toBe(200);
        const errors: ErrorMap = {};
        if (endpoint?.returns) {
          checkProp((res.data ?? null) as JsonValue, endpoint.returns, "", errors, {
            strictJsonTypes: true,
          });
        }
        expect(errors, `${method} ${path}`).toEqual({});
      }
    });
  }
});
