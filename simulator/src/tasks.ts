// Worker tasks. PVE answers most writes with a UPID at once and does the work
// in a forked worker; clients poll GET .../tasks/{upid}/status until `status`
// is "stopped" and then read `exitstatus` ("OK" or the error). The simulator
// keeps a task "running" for a configurable time and applies the guest state
// change only when the task ends, so clients that skip polling see stale
// state, as they would against a real node.

import type { ClusterState } from "./model/cluster";
import type { HistoricTask } from "./model/fixtures";

export type TaskOutcome =
  | {
      ok: true;
      log?: string[] /** Warnings logged: the task ends "WARNINGS: n". */;
      warnings?: number;
    }
  | { ok: false; error: string; log?: string[] };

export interface Task {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  /** Who started it: a user or an API token id ("root@pam!mcp"), as in the UPID. */
  user: string;
  status: "running" | "stopped";
  endtime?: number;
  /** "OK" or the error, once stopped. */
  exitstatus?: string;
  log: string[];
  /** Wall-clock time (ms) at which the task ends. */
  finishAtMs: number;
  run?: () => TaskOutcome;
}

export interface StartTask {
  node: string;
  type: string;
  id: string;
  user: string;
  /** Runs when the task ends: applies the change and tells how it went. */
  run: () => TaskOutcome;
  /**
   * Runs as the worker starts (e.g. checks under the config lock, then taking
   * the guest's `lock`). Returning a failure ends the task at once with it;
   * `run` is then skipped.
   */
  begin?: () => TaskOutcome | undefined;
  /** Log lines written at once. */
  log?: string[];
  /** Overrides the default duration, e.g. 0 for work that fails right away. */
  durationMs?: number;
  /**
   * When the worker started (ms), for follow-up work another task scheduled
   * (the HA stack acting on a request); defaults to now.
   */
  startAtMs?: number;
}

function hex8(n: number): string {
  return Math.floor(n).toString(16).toUpperCase().padStart(8, "0");
}

/** UPID:node:PID:PSTART:STARTTIME:type:id:user: (PVE::UPID::encode). */
export function encodeUpid(
  t: Pick<Task, "node" | "pid" | "pstart" | "starttime" | "type" | "id" | "user">,
): string {
  return `UPID:${t.node}:${hex8(t.pid)}:${hex8(t.pstart)}:${hex8(t.starttime)}:${t.type}:${t.id}:${t.user}:`;
}

export interface DecodedUpid {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

/** PVE::UPID::decode; undefined when the string is not a UPID. */
export function decodeUpid(upid: string): DecodedUpid | undefined {
  const m =
    /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/.exec(
      upid,
    );
  if (!m?.[1] || !m[3] || !m[4] || !m[5] || !m[6] || m[7] === undefined || !m[8]) return undefined;
  return {
    node: m[1],
    pid: Number.parseInt(m[3], 16),
    pstart: Number.parseInt(m[4], 16),
    starttime: Number.parseInt(m[5], 16),
    type: m[6],
    id: m[7],
    user: m[8],
  };
}

/** PVE::UPID::normalize_status_type: "OK" -> ok, "WARNINGS: n" -> warning, else error. */
export function statusType(status: string | undefined): "ok" | "warning" | "error" | "unknown" {
  if (status === undefined || status === "unknown") return "unknown";
  if (status === "OK") return "ok";
  if (/^WARNINGS: \d+$/.test(status)) return "warning";
  return "error";
}

export class TaskManager {
  private readonly tasks = new Map<string, Task>();

  constructor(
    private readonly cluster: ClusterState,
    private readonly nowMs: () => number,
    private readonly defaultDurationMs: number,
  ) {}

  /** Process start time in clock ticks since boot, as in PVE's PSTART field. */
  private pstart(node: string, starttime: number): number {
    const booted = this.cluster.node(node)?.bootedAt ?? starttime;
    return Math.max(0, starttime - booted) * 100 + 37;
  }

  /** Adds finished tasks from the fixtures so that task lists are not empty. */
  seed(history: readonly HistoricTask[]): void {
    for (const h of history) {
      const t: Task = {
        node: h.node,
        pid: this.cluster.nextPid(),
        pstart: this.pstart(h.node, h.starttime),
        starttime: h.starttime,
        type: h.type,
        id: h.id,
        user: h.user,
        status: "stopped",
        endtime: h.endtime,
        exitstatus: h.status,
        log: h.log,
        finishAtMs: h.endtime * 1000,
        upid: "",
      };
      t.upid = encodeUpid(t);
      this.tasks.set(t.upid, t);
    }
  }

  start(spec: StartTask): string {
    const startMs = spec.startAtMs ?? this.nowMs();
    const starttime = Math.floor(startMs / 1000);
    const t: Task = {
      node: spec.node,
      pid: this.cluster.nextPid(),
      pstart: this.pstart(spec.node, starttime),
      starttime,
      type: spec.type,
      id: spec.id,
      user: spec.user,
      status: "running",
      log: [...(spec.log ?? [])],
      finishAtMs: startMs + (spec.durationMs ?? this.defaultDurationMs),
      run: spec.run,
      upid: "",
    };
    t.upid = encodeUpid(t);
    this.tasks.set(t.upid, t);
    const early = spec.begin?.();
    if (early) {
      t.log.push(...(early.log ?? []));
      if (!early.ok) {
        t.finishAtMs = startMs;
        t.run = () => ({ ok: false, error: early.error });
      }
    }
    this.settle();
    return t.upid;
  }

  private settling = false;

  /**
   * Ends every task whose time is up, oldest first, applying its effect. A
   * task's effect may start further tasks (which may be due already): they
   * are settled in the same pass, in time order.
   */
  settle(): void {
    if (this.settling) return;
    this.settling = true;
    try {
      for (;;) {
        const now = this.nowMs();
        let next: Task | undefined;
        for (const t of this.tasks.values()) {
          if (t.status !== "running" || t.finishAtMs > now) continue;
          if (!next || t.finishAtMs < next.finishAtMs) next = t;
        }
        if (!next) break;
        this.finish(next);
      }
    } finally {
      this.settling = false;
    }
  }

  private finish(t: Task): void {
    const outcome: TaskOutcome = t.run ? t.run() : { ok: true };
    t.log.push(...(outcome.log ?? []));
    if (outcome.ok && outcome.warnings) {
      t.exitstatus = `WARNINGS: ${outcome.warnings}`;
      t.log.push(`TASK WARNINGS: ${outcome.warnings}`);
    } else if (outcome.ok) {
      t.exitstatus = "OK";
      t.log.push("TASK OK");
    } else {
      t.exitstatus = outcome.error;
      t.log.push(`TASK ERROR: ${outcome.error}`);
    }
    t.status = "stopped";
    t.endtime = Math.max(t.starttime, Math.floor(t.finishAtMs / 1000));
    t.run = undefined;
  }

  /** How long a task runs unless its starter says otherwise. */
  defaultDuration(): number {
    return this.defaultDurationMs;
  }

  /** The simulator clock in milliseconds. */
  now(): number {
    return this.nowMs();
  }

  get(upid: string): Task | undefined {
    return this.tasks.get(upid);
  }

  /** All tasks, newest first. */
  all(): Task[] {
    return [...this.tasks.values()].sort((a, b) => b.starttime - a.starttime || b.pid - a.pid);
  }

  /** Running tasks of a guest (PVE refuses some actions while one runs; used for locks). */
  runningFor(node: string, id: string): Task[] {
    return this.all().filter((t) => t.status === "running" && t.node === node && t.id === id);
  }
}
