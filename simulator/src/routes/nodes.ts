// /nodes: the node list, node status and each node's task log.

import { hasPrivs, requirePrivs } from "../auth/permissions";
import { splitTokenId } from "../auth/user-config";
import { paramError } from "../http";
import { decodeUpid, statusType, type Task } from "../tasks";
import { nodeResource, taskFields, taskListEntry } from "./cluster";
import {
  authid,
  flag,
  type HandlerContext,
  int,
  type RouteTable,
  requiredStr,
  str,
} from "./context";

function listNodes(ctx: HandlerContext): unknown {
  const who = authid(ctx);
  return ctx.cluster.nodes.map((n) => ({
    ...nodeResource(ctx.cluster, n, hasPrivs(who, `/nodes/${n.name}`, ["Sys.Audit"])),
    ssl_fingerprint: n.sslFingerprint,
  }));
}

function nodeStatus(ctx: HandlerContext): unknown {
  const n = ctx.cluster.node(requiredStr(ctx, "node"));
  if (!n) throw new Error("no such node");
  const memUsed = ctx.cluster.nodeMemUsed(n);
  return {
    uptime: ctx.cluster.nodeUptime(n),
    idle: 0,
    loadavg: [...n.loadavg],
    kversion: `Linux ${n.kernel.release} ${n.kernel.version}`,
    "current-kernel": {
      sysname: "Linux",
      release: n.kernel.release,
      version: n.kernel.version,
      machine: "x86_64",
    },
    "boot-info": n.bootMode === "efi" ? { mode: "efi", secureboot: 0 } : { mode: "legacy-bios" },
    cpuinfo: {
      model: n.cpuModel,
      sockets: n.sockets,
      cores: n.cores,
      cpus: n.cpus,
      mhz: n.mhz,
      hvm: "1",
      user_hz: 100,
      flags:
        "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm constant_tsc rep_good nopl xtopology cpuid pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm svm avx2 bmi1 bmi2",
    },
    cpu: ctx.cluster.nodeCpu(n),
    wait: 0.0012,
    memory: {
      total: n.maxmem,
      used: memUsed,
      free: n.maxmem - memUsed,
      available: n.maxmem - memUsed + Math.round(n.baseMem / 3),
    },
    ksm: { shared: 0 },
    swap: { total: n.swapTotal, used: n.swapUsed, free: n.swapTotal - n.swapUsed },
    pveversion: n.pveversion,
    rootfs: {
      total: n.rootfsTotal,
      used: n.rootfsUsed,
      avail: n.rootfsTotal - n.rootfsUsed - Math.round(n.rootfsTotal * 0.05),
      free: n.rootfsTotal - n.rootfsUsed,
    },
  };
}

/** Owner of the task, or an auditor of the node (PVE's check_task_user + Sys.Audit). */
function mayReadTask(ctx: HandlerContext, taskUser: string, node: string): boolean {
  const who = authid(ctx);
  if (taskUser === who) return true;
  // A user may read the tasks of their own tokens.
  const token = splitTokenId(taskUser);
  if (token && token[0] === who) return true;
  return hasPrivs(who, `/nodes/${node}`, ["Sys.Audit"]);
}

function nodeTasks(ctx: HandlerContext): unknown {
  const node = requiredStr(ctx, "node");
  const start = int(ctx, "start") ?? 0;
  let limit = int(ctx, "limit") ?? 50;
  const userfilter = str(ctx, "userfilter");
  const typefilter = str(ctx, "typefilter");
  const vmid = str(ctx, "vmid");
  const since = int(ctx, "since");
  const until = int(ctx, "until");
  const source = str(ctx, "source") ?? "archive";
  const statusfilter = str(ctx, "statusfilter");
  let allowed = new Set(["ok", "warning", "error", "unknown"]);
  if (flag(ctx, "errors")) allowed.delete("ok");
  else if (statusfilter !== undefined) {
    allowed = new Set(statusfilter.split(/[,;\s]+/).map((s) => s.toLowerCase()));
  }

  let count = 0;
  const res: Record<string, unknown>[] = [];
  const consider = (t: Task): void => {
    if (userfilter && !t.user.toLowerCase().includes(userfilter.toLowerCase())) return;
    if (!mayReadTask(ctx, t.user, node)) return;
    if (typefilter && t.type !== typefilter) return;
    if (vmid && t.id !== vmid) return;
    if (since !== undefined && t.starttime < since) return;
    if (until !== undefined && t.starttime > until) return;
    if (t.status === "stopped" && !allowed.has(statusType(t.exitstatus))) return;
    if (count++ < start) return;
    if (limit <= 0) return;
    limit--;
    const entry = taskListEntry(t);
    // Tasks still running show up (only) in the "active" list, as RUNNING.
    if (t.status === "running") entry.status = "RUNNING";
    res.push(entry);
  };
  const tasks = ctx.tasks.all().filter((t) => t.node === node);
  if (source === "active" || source === "all") {
    for (const t of tasks) if (t.status === "running") consider(t);
  }
  if (source !== "active") {
    // The archive index is ordered by end time, newest first.
    const done = tasks
      .filter((t) => t.status === "stopped")
      .sort((a, b) => (b.endtime ?? 0) - (a.endtime ?? 0));
    for (const t of done) consider(t);
  }
  ctx.result.total = count;
  return res;
}

/** The task a {upid} parameter names on this node, as PVE finds its log file. */
function findTask(ctx: HandlerContext): Task {
  const upid = requiredStr(ctx, "upid");
  const node = requiredStr(ctx, "node");
  const decoded = decodeUpid(upid);
  if (!decoded) throw paramError({ upid: "unable to parse worker upid" });
  const task = ctx.tasks.get(upid);
  if (!task || task.node !== node) throw paramError({ upid: "no such task" });
  if (!mayReadTask(ctx, task.user, node))
    requirePrivs(authid(ctx), `/nodes/${node}`, ["Sys.Audit"]);
  return task;
}

function taskStatus(ctx: HandlerContext): unknown {
  const t = findTask(ctx);
  const res = { ...taskFields(t), status: t.status };
  if (t.status === "stopped") return { ...res, exitstatus: t.exitstatus };
  return res;
}

function taskLog(ctx: HandlerContext): unknown {
  const t = findTask(ctx);
  if (flag(ctx, "download")) {
    if (ctx.params.start !== undefined || ctx.params.limit !== undefined) {
      throw new Error("'download' cannot be used together with 'start' or 'limit' parameters");
    }
    return t.log.join("\n");
  }
  const start = int(ctx, "start") ?? 0;
  const limit = int(ctx, "limit") ?? 50;
  const lines = t.log.map((text, i) => ({ n: i + 1, t: text }));
  // PVE's dump_logfile: an empty log still shows one line (the GUI needs a row).
  if (lines.length === 0) {
    ctx.result.total = 1;
    return [{ n: 1, t: "no content" }];
  }
  ctx.result.total = lines.length;
  return limit === 0 ? lines.slice(start) : lines.slice(start, start + limit);
}

export const nodeRoutes: RouteTable = {
  "GET /nodes": listNodes,
  "GET /nodes/{node}/status": nodeStatus,
  "GET /nodes/{node}/tasks": nodeTasks,
  "GET /nodes/{node}/tasks/{upid}/status": taskStatus,
  "GET /nodes/{node}/tasks/{upid}/log": taskLog,
};
