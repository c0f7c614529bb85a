// Power actions: POST /nodes/{node}/{qemu|lxc}/{vmid}/status/{action}.
//
// Where PVE checks a precondition decides how the client sees a failure:
// checks made by the API handler before it forks the worker answer HTTP 500
// at once (e.g. "CT 110 already running", "VM 100 not running"); checks made
// inside the worker return a UPID whose task ends with an error (e.g. QEMU's
// "VM 100 already running", which vm_start detects under the config lock).
// Each action below follows qemu-server / pve-container on that point.

import { requirePrivs } from "../auth/permissions";
import { handlerError, paramError } from "../http";
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
  task(taskType: string, run: (g: Guest) => TaskOutcome, durationMs?: number): string;
}

function markRunning(ctx: HandlerContext, g: Guest): void {
  g.status = "running";
  g.paused = false;
  g.startedAt = ctx.nowSeconds();
  g.pid = ctx.cluster.nextPid();
}

function markStopped(g: Guest): void {
  g.status = "stopped";
  g.paused = false;
  g.startedAt = undefined;
  g.pid = undefined;
}

type Action = (a: ActionContext) => string;

const qemuActions: Record<string, Action> = {
  start: ({ ctx, guest, vmid, task }) => {
    const immediate = !guest || guest.template || guest.status === "running" ? 0 : undefined;
    return task(
      "qmstart",
      (g) => {
        if (g.template) return { ok: false, error: "you can't start a vm if it's a template" };
        if (g.status === "running") return { ok: false, error: `VM ${vmid} already running` };
        if (g.startFailure) {
          return { ok: false, error: g.startFailure.exitstatus, log: g.startFailure.log };
        }
        markRunning(ctx, g);
        return { ok: true };
      },
      immediate,
    );
  },
  stop: ({ guest, task }) =>
    task(
      "qmstop",
      (g) => {
        // Stopping a stopped VM is not an error: there is just nothing to do.
        markStopped(g);
        return { ok: true };
      },
      guest ? undefined : 0,
    ),
  shutdown: ({ ctx, guest, task }) => {
    if (guest?.paused && !flag(ctx, "forceStop"))
      throw handlerError("VM is paused - cannot shutdown");
    return task(
      "qmshutdown",
      (g) => {
        markStopped(g);
        return { ok: true };
      },
      guest ? undefined : 0,
    );
  },
  reboot: ({ ctx, vmid, task }) => {
    const g = assertGuestOnNode(ctx, "qemu");
    if (g.paused) throw handlerError("VM is paused - cannot shutdown");
    if (g.status !== "running") throw handlerError(`VM ${vmid} not running`);
    return task("qmreboot", (cur) => {
      // Only a running VM is rebooted; QEMU restarts, so the uptime starts over.
      if (cur.status === "running") markRunning(ctx, cur);
      return { ok: true };
    });
  },
  reset: ({ ctx, vmid, task }) => {
    const g = assertGuestOnNode(ctx, "qemu");
    if (g.status !== "running") throw handlerError(`VM ${vmid} not running`);
    return task("qmreset", () => ({ ok: true }));
  },
  suspend: ({ ctx, vmid, task }) => {
    const g = assertGuestOnNode(ctx, "qemu");
    if (g.status !== "running") throw handlerError(`VM ${vmid} not running`);
    const todisk = flag(ctx, "todisk");
    if (todisk) requirePrivs(authid(ctx), `/vms/${vmid}`, ["VM.Config.Disk"]);
    return task(todisk ? "qmsuspend" : "qmpause", (cur) => {
      if (todisk) {
        // Hibernation: the state is saved to disk, QEMU exits, the config is locked.
        markStopped(cur);
        cur.config.lock = "suspended";
      } else {
        cur.paused = true;
      }
      return { ok: true };
    });
  },
  resume: ({ ctx, vmid, task }) => {
    const g = assertGuestOnNode(ctx, "qemu");
    const toDiskSuspended = g.config.lock === "suspended";
    if (!toDiskSuspended && g.status !== "running") throw handlerError(`VM ${vmid} not running`);
    return task("qmresume", (cur) => {
      if (cur.config.lock === "suspended") {
        delete cur.config.lock;
        markRunning(ctx, cur);
      } else {
        cur.paused = false;
      }
      return { ok: true };
    });
  },
};

const lxcActions: Record<string, Action> = {
  start: ({ ctx, guest, vmid, task }) => {
    if (guest?.status === "running") throw handlerError(`CT ${vmid} already running`);
    const immediate = !guest || guest.template ? 0 : undefined;
    return task(
      "vzstart",
      (g) => {
        if (g.template) return { ok: false, error: "you can't start a CT if it's a template" };
        if (g.status === "running") return { ok: false, error: `CT ${vmid} already running` };
        if (g.startFailure) {
          return { ok: false, error: g.startFailure.exitstatus, log: g.startFailure.log };
        }
        markRunning(ctx, g);
        return { ok: true };
      },
      immediate,
    );
  },
  stop: ({ guest, vmid, task }) => {
    if (guest?.status !== "running") throw handlerError(`CT ${vmid} not running`);
    return task("vzstop", (g) => {
      markStopped(g);
      return { ok: true };
    });
  },
  shutdown: ({ guest, vmid, task }) => {
    if (guest?.status !== "running") throw handlerError(`CT ${vmid} not running`);
    return task("vzshutdown", (g) => {
      markStopped(g);
      return { ok: true };
    });
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
    return task("vzsuspend", (g) => {
      markStopped(g);
      return { ok: true };
    });
  },
  resume: ({ ctx, guest, vmid, task }) => {
    if (guest?.status === "running") throw handlerError(`CT ${vmid} already running`);
    return task(
      "vzresume",
      (g) => {
        markRunning(ctx, g);
        return { ok: true };
      },
      guest ? undefined : 0,
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
      task: (taskType, run, durationMs) =>
        ctx.tasks.start({
          node,
          type: taskType,
          id: String(vmid),
          user: authid(ctx),
          durationMs,
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
