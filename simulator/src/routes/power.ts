// Power actions: POST /nodes/{node}/{qemu|lxc}/{vmid}/status/{action}.
//
// Where PVE checks a precondition decides how the client sees a failure:
// checks made by the API handler before it forks the worker answer HTTP 500
// at once (e.g. "CT 110 already running", "VM 100 not running"); checks made
// inside the worker return a UPID whose task ends with an error (e.g. QEMU's
// "VM 100 already running", which vm_start detects under the config lock).
// Each action below follows qemu-server / pve-container on that point.
//
// Config locks (`lock: backup`, `snapshot`, ...) are checked by the workers
// under the config lock, so a locked guest gives a UPID whose task fails at
// once with "VM is locked (backup)" / "CT is locked (backup)". The
// exceptions are PVE's: starting a VM with `lock: suspended` (it resumes),
// starting, suspending or resuming a running VM during its backup, and
// stopping a guest that is not running (nothing to do).
//
// HA-managed guests (model/ha.ts) are not started or stopped by the request
// itself: it runs an `hastart` / `hastop` task that only sets the HA
// resource's requested state; the node's LRM then runs the real
// qmstart/qmstop/qmshutdown (vzstart/...) task as root@pam, which ends one
// task duration later.

import { requirePrivs } from "../auth/permissions";
import { handlerError, paramError } from "../http";
import { haResourceOf } from "../model/ha";
import type { Guest, GuestType } from "../model/types";
import type { TaskOutcome } from "../tasks";
import {
  assertGuestOnNode,
  authid,
  flag,
  type HandlerContext,
  type RouteTable,
  requiredInt,
  requiredStr,
} from "./context";

/** Options PVE restricts to root@pam (an API token of root is not root@pam). */
const ROOT_ONLY: Record<string, string[]> = {
  "qemu/start": [
    "stateuri",
    "skiplock",
    "migratedfrom",
    "migration_type",
    "migration_network",
    "targetstorage",
    "force-cpu",
    "with-conntrack-state",
    "nets-host-mtu",
  ],
  "qemu/stop": ["skiplock", "keepActive", "migratedfrom"],
  "qemu/shutdown": ["skiplock", "keepActive"],
  "qemu/reset": ["skiplock"],
  "qemu/suspend": ["skiplock"],
  "qemu/resume": ["skiplock", "nocheck"],
  "lxc/start": ["skiplock"],
  "lxc/stop": ["skiplock"],
};

function truthy(v: unknown): boolean {
  return !(v === undefined || v === null || v === "" || v === "0" || v === 0 || v === false);
}

function checkRootOnly(ctx: HandlerContext, type: GuestType, action: string): void {
  for (const name of ROOT_ONLY[`${type}/${action}`] ?? []) {
    if (truthy(ctx.params[name]) && authid(ctx) !== "root@pam") {
      throw paramError({ [name]: "Only root may use this option." });
    }
  }
}

function configMissing(type: GuestType, node: string, vmid: number): string {
  return `Configuration file 'nodes/${node}/${type === "qemu" ? "qemu-server" : "lxc"}/${vmid}.conf' does not exist`;
}

interface ActionContext {
  ctx: HandlerContext;
  type: GuestType;
  node: string;
  vmid: number;
  /** The guest as it is now, if it exists on this node. */
  guest: Guest | undefined;
  /** Starts the worker task; `run` decides the outcome when the task ends. */
  task(taskType: string, run: (g: Guest) => TaskOutcome, opts?: TaskOptions): string;
}

interface TaskOptions {
  durationMs?: number;
  /** Checks as the worker starts (under the config lock); a failure ends the task at once. */
  begin?: (g: Guest) => TaskOutcome | undefined;
}

/** PVE::AbstractConfig::check_lock's error, as a task outcome. */
export function lockError(g: Guest): TaskOutcome | undefined {
  const lock = g.config.lock;
  if (lock === undefined) return undefined;
  return { ok: false, error: `${g.type === "qemu" ? "VM" : "CT"} is locked (${lock})` };
}

export function markRunning(ctx: HandlerContext, g: Guest): void {
  g.status = "running";
  g.paused = false;
  g.startedAt = ctx.nowSeconds();
  g.pid = ctx.cluster.nextPid();
}

export function markStopped(g: Guest): void {
  g.status = "stopped";
  g.paused = false;
  g.startedAt = undefined;
  g.pid = undefined;
}

type Action = (a: ActionContext) => string;

function stopGuest(g: Guest): TaskOutcome {
  // Stopping a stopped guest is not an error: there is just nothing to do.
  markStopped(g);
  return { ok: true };
}

/** Checks vm_start makes under the config lock, before it looks at the running state. */
function qemuStartLockCheck(g: Guest): TaskOutcome | undefined {
  if (g.template) return undefined;
  // During a backup of a running VM, "start" resumes it inside the backup.
  if (g.config.lock === "backup" && g.status === "running") return undefined;
  return g.config.lock === "suspended" ? undefined : lockError(g);
}

function qemuStart(ctx: HandlerContext, g: Guest): TaskOutcome {
  if (g.template) return { ok: false, error: "you can't start a vm if it's a template" };
  if (g.config.lock === "backup" && g.status === "running") {
    g.paused = false;
    return { ok: true };
  }
  if (g.status === "running") return { ok: false, error: `VM ${g.vmid} already running` };
  if (g.startFailure) {
    return { ok: false, error: g.startFailure.exitstatus, log: g.startFailure.log };
  }
  // Hibernated VMs resume from their saved state; the lock goes away.
  if (g.config.lock === "suspended") delete g.config.lock;
  markRunning(ctx, g);
  return { ok: true };
}

/** pve-container lets a `mounted` lock pass (pct mount), any other lock stops start/stop. */
function lxcStartLockCheck(g: Guest): TaskOutcome | undefined {
  if (g.template || g.config.lock === "mounted") return undefined;
  return lockError(g);
}

function lxcStopLockCheck(g: Guest): TaskOutcome | undefined {
  return g.config.lock === "mounted" ? undefined : lockError(g);
}

function lxcStart(ctx: HandlerContext, g: Guest): TaskOutcome {
  if (g.template) return { ok: false, error: "you can't start a CT if it's a template" };
  if (g.status === "running") return { ok: false, error: `CT ${g.vmid} already running` };
  if (g.startFailure) {
    return { ok: false, error: g.startFailure.exitstatus, log: g.startFailure.log };
  }
  markRunning(ctx, g);
  return { ok: true };
}

/** Stop checks that only matter for a running guest (vm_stop returns early otherwise). */
function runningLockCheck(g: Guest): TaskOutcome | undefined {
  return g.status === "running" ? lockError(g) : undefined;
}

/**
 * An HA-managed start or stop: the `hastart`/`hastop` task runs `ha-manager
 * set <sid> --state started` or `ha-manager crm-command stop <sid> <timeout>`
 * and is done. When it ends, the CRM has the new request state and the
 * node's LRM runs the real start/stop as root@pam; only that task changes
 * the guest.
 */
function haRequest(
  a: ActionContext,
  state: "started" | "stopped",
  stopType?: "qmstop" | "qmshutdown" | "vzstop" | "vzshutdown",
): string {
  const { ctx, type, node, vmid } = a;
  const kind = type === "qemu" ? "VM" : "CT";
  const sid = `${type === "qemu" ? "vm" : "ct"}:${vmid}`;
  const durationMs = ctx.tasks.defaultDuration();
  let upid = "";
  upid = ctx.tasks.start({
    node,
    type: state === "started" ? "hastart" : "hastop",
    id: String(vmid),
    user: authid(ctx),
    log: [`Requesting HA ${state === "started" ? "start" : "stop"} for ${kind} ${vmid}`],
    run: () => {
      const r = ctx.cluster.ha.find((x) => x.sid === sid);
      if (!r) return { ok: false, error: `service '${sid}' not managed by HA` };
      r.state = state;
      const g = ctx.cluster.guests.get(vmid);
      const endedAt = ctx.tasks.get(upid)?.finishAtMs;
      if (!g) return { ok: true };
      const wantsRun = state === "started";
      if (wantsRun === (g.status === "running")) return { ok: true };
      const lrmType = wantsRun ? (type === "qemu" ? "qmstart" : "vzstart") : (stopType ?? "qmstop");
      ctx.tasks.start({
        node: g.node,
        type: lrmType,
        id: String(vmid),
        user: "root@pam",
        startAtMs: endedAt,
        durationMs,
        run: () => {
          const cur = ctx.cluster.guests.get(vmid);
          // The request may have changed again in between: the LRM follows the newest.
          if (!cur || r.state !== state) return { ok: true };
          if (!wantsRun) return stopGuest(cur);
          return type === "qemu" ? qemuStart(ctx, cur) : lxcStart(ctx, cur);
        },
      });
      return { ok: true };
    },
  });
  return upid;
}

const qemuActions: Record<string, Action> = {
  start: (a) => {
    const { ctx, guest, task } = a;
    if (haResourceOf(ctx.cluster, "qemu", a.vmid)) return haRequest(a, "started");
    const immediate = !guest || guest.template || guest.status === "running" ? 0 : undefined;
    return task("qmstart", (g) => qemuStart(ctx, g), {
      durationMs: immediate,
      begin: qemuStartLockCheck,
    });
  },
  stop: (a) => {
    const { ctx, guest, task } = a;
    if (haResourceOf(ctx.cluster, "qemu", a.vmid)) return haRequest(a, "stopped", "qmstop");
    return task("qmstop", stopGuest, {
      durationMs: guest ? undefined : 0,
      begin: runningLockCheck,
    });
  },
  shutdown: (a) => {
    const { ctx, guest, task } = a;
    if (guest?.paused && !flag(ctx, "forceStop"))
      throw handlerError("VM is paused - cannot shutdown");
    if (haResourceOf(ctx.cluster, "qemu", a.vmid)) return haRequest(a, "stopped", "qmshutdown");
    return task("qmshutdown", stopGuest, {
      durationMs: guest ? undefined : 0,
      begin: runningLockCheck,
    });
  },
  reboot: ({ ctx, vmid, task }) => {
    const g = assertGuestOnNode(ctx, "qemu");
    if (g.paused) throw handlerError("VM is paused - cannot shutdown");
    if (g.status !== "running") throw handlerError(`VM ${vmid} not running`);
    return task(
      "qmreboot",
      (cur) => {
        // Only a running VM is rebooted; QEMU restarts, so the uptime starts over.
        if (cur.status === "running") markRunning(ctx, cur);
        return { ok: true };
      },
      { begin: runningLockCheck },
    );
  },
  reset: ({ ctx, vmid, task }) => {
    const g = assertGuestOnNode(ctx, "qemu");
    if (g.status !== "running") throw handlerError(`VM ${vmid} not running`);
    return task("qmreset", () => ({ ok: true }), { begin: lockError });
  },
  suspend: ({ ctx, vmid, task }) => {
    const g = assertGuestOnNode(ctx, "qemu");
    if (g.status !== "running") throw handlerError(`VM ${vmid} not running`);
    const todisk = flag(ctx, "todisk");
    if (todisk) requirePrivs(authid(ctx), `/vms/${vmid}`, ["VM.Config.Disk"]);
    // A running backup keeps its lock: pausing is fine, hibernating is not.
    const begin = (cur: Guest): TaskOutcome | undefined => {
      if (cur.config.lock !== "backup") return lockError(cur);
      return todisk ? { ok: false, error: "cannot suspend to disk during backup" } : undefined;
    };
    return task(
      todisk ? "qmsuspend" : "qmpause",
      (cur) => {
        if (todisk) {
          // Hibernation: the state is saved to disk, QEMU exits, the config is locked.
          markStopped(cur);
          cur.config.lock = "suspended";
        } else {
          cur.paused = true;
        }
        return { ok: true };
      },
      { begin },
    );
  },
  resume: ({ ctx, vmid, task }) => {
    const g = assertGuestOnNode(ctx, "qemu");
    const toDiskSuspended = g.config.lock === "suspended";
    if (!toDiskSuspended && g.status !== "running") throw handlerError(`VM ${vmid} not running`);
    const begin = (cur: Guest): TaskOutcome | undefined =>
      cur.config.lock === "backup" || cur.config.lock === "suspended" ? undefined : lockError(cur);
    return task(
      "qmresume",
      (cur) => {
        if (cur.config.lock === "suspended") {
          delete cur.config.lock;
          markRunning(ctx, cur);
        } else {
          cur.paused = false;
        }
        return { ok: true };
      },
      { begin },
    );
  },
};

const lxcActions: Record<string, Action> = {
  start: (a) => {
    const { ctx, guest, vmid, task } = a;
    if (guest?.status === "running") throw handlerError(`CT ${vmid} already running`);
    if (haResourceOf(ctx.cluster, "lxc", vmid)) return haRequest(a, "started");
    const immediate = !guest || guest.template ? 0 : undefined;
    return task("vzstart", (g) => lxcStart(ctx, g), {
      durationMs: immediate,
      begin: lxcStartLockCheck,
    });
  },
  stop: (a) => {
    const { ctx, guest, vmid, task } = a;
    if (guest?.status !== "running") throw handlerError(`CT ${vmid} not running`);
    if (haResourceOf(ctx.cluster, "lxc", vmid)) return haRequest(a, "stopped", "vzstop");
    return task("vzstop", stopGuest, { begin: lxcStopLockCheck });
  },
  shutdown: (a) => {
    const { ctx, guest, vmid, task } = a;
    if (guest?.status !== "running") throw handlerError(`CT ${vmid} not running`);
    if (haResourceOf(ctx.cluster, "lxc", vmid)) return haRequest(a, "stopped", "vzshutdown");
    return task("vzshutdown", stopGuest, { begin: lockError });
  },
  reboot: ({ ctx, guest, vmid, task }) => {
    // pve-container says "VM" here.
    if (guest?.status !== "running") throw handlerError(`VM ${vmid} not running`);
    return task("vzreboot", (g) => {
      if (g.status === "running") markRunning(ctx, g);
      return { ok: true };
    });
  },
  suspend: ({ guest, vmid, task }) => {
    if (guest?.status !== "running") throw handlerError(`CT ${vmid} not running`);
    // A CT suspend is a checkpoint to disk (CRIU): the container stops.
    return task(
      "vzsuspend",
      (g) => {
        markStopped(g);
        return { ok: true };
      },
      { begin: lockError },
    );
  },
  resume: ({ ctx, guest, vmid, task }) => {
    if (guest?.status === "running") throw handlerError(`CT ${vmid} already running`);
    return task(
      "vzresume",
      (g) => {
        markRunning(ctx, g);
        return { ok: true };
      },
      { durationMs: guest ? undefined : 0 },
    );
  },
};

function powerAction(type: GuestType, action: string, impl: Action) {
  return (ctx: HandlerContext): unknown => {
    const node = requiredStr(ctx, "node");
    const vmid = requiredInt(ctx, "vmid");
    checkRootOnly(ctx, type, action);
    const a: ActionContext = {
      ctx,
      type,
      node,
      vmid,
      guest: ctx.cluster.guestOn(node, type, vmid),
      task: (taskType, run, opts = {}) =>
        ctx.tasks.start({
          node,
          type: taskType,
          id: String(vmid),
          user: authid(ctx),
          durationMs: opts.durationMs,
          begin: () => {
            const g = ctx.cluster.guestOn(node, type, vmid);
            return g && opts.begin ? opts.begin(g) : undefined;
          },
          // The worker reads the config when it runs: a guest that is gone by
          // then (or never existed) fails like a missing config file.
          run: () => {
            const g = ctx.cluster.guestOn(node, type, vmid);
            if (!g) return { ok: false, error: configMissing(type, node, vmid) };
            return run(g);
          },
        }),
    };
    return impl(a);
  };
}

function buildRoutes(): RouteTable {
  const routes: RouteTable = {};
  for (const [action, impl] of Object.entries(qemuActions)) {
    routes[`POST /nodes/{node}/qemu/{vmid}/status/${action}`] = powerAction("qemu", action, impl);
  }
  for (const [action, impl] of Object.entries(lxcActions)) {
    routes[`POST /nodes/{node}/lxc/{vmid}/status/${action}`] = powerAction("lxc", action, impl);
  }
  return routes;
}

export const powerRoutes: RouteTable = buildRoutes();
