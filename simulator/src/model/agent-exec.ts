// Processes the QEMU guest agent runs for guest-exec. The agent spawns
// argv[0] (searched in PATH) with the other elements as arguments, no shell;
// a program it cannot spawn fails the guest-exec call itself. While the
// process runs, guest-exec-status says `exited: false`; once it reports the
// exit, the agent forgets the process, so a second read fails.
//
// The programs below answer from the demo guests' facts (model/guest-agent.ts).

import type { AgentFacts } from "./guest-agent";
import type { Guest } from "./types";

export interface ExecResult {
  exitcode: number;
  out: string;
  err: string;
  /** Simulated run time. */
  durationMs?: number;
}

interface ExecProcess extends ExecResult {
  endsAtMs: number;
}

/** What a program sees of the guest it runs in. */
export interface ExecEnv {
  guest: Guest;
  facts: AgentFacts;
  input: string;
  /** Guest uptime in seconds. */
  uptime: number;
  nowSeconds: number;
}

/** The agent's error when it cannot spawn the program (glib's message). */
export class SpawnError extends Error {}

/** Output the agent captures per stream (qemu-ga's GUEST_EXEC_MAX_OUTPUT). */
const MAX_OUTPUT = 16 * 1024 * 1024;

/** Units with a state, per VM; the rest of systemd is "inactive". */
const UNITS: Record<number, Record<string, string>> = {
  100: { nginx: "active", docker: "active", ssh: "active", "qemu-guest-agent": "active" },
  101: { postgresql: "active", ssh: "active", "qemu-guest-agent": "active", cron: "active" },
  200: { nginx: "active", ssh: "active", "qemu-guest-agent": "active", certbot: "failed" },
};

function bytesHuman(n: number): string {
  const units = ["", "K", "M", "G", "T"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0
    ? String(v)
    : v >= 10
      ? `${Math.round(v)}${units[i]}`
      : `${v.toFixed(1)}${units[i]}`;
}

function osRelease(facts: AgentFacts): string {
  const o = facts.osinfo;
  const lines = [
    `PRETTY_NAME="${o["pretty-name"]}"`,
    `NAME="${o.name}"`,
    `VERSION_ID="${o["version-id"]}"`,
    `VERSION="${o.version}"`,
    `ID=${o.id}`,
  ];
  if (o.id === "ubuntu") lines.push("ID_LIKE=debian", "VERSION_CODENAME=noble");
  else lines.push("VERSION_CODENAME=bookworm");
  return `${lines.join("\n")}\n`;
}

function df(facts: AgentFacts): string {
  const rows = [["Filesystem", "Size", "Used", "Avail", "Use%", "Mounted on"]];
  for (const fs of facts.filesystems) {
    const total = fs["total-bytes"] ?? 0;
    const used = fs["used-bytes"] ?? 0;
    const dev = (fs.disk[0]?.dev as string | undefined) ?? fs.name;
    rows.push([
      dev,
      bytesHuman(total),
      bytesHuman(used),
      bytesHuman(total - used),
      `${total ? Math.ceil((used / total) * 100) : 0}%`,
      fs.mountpoint,
    ]);
  }
  return `${rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(10) : c.padStart(5))).join(" ")).join("\n")}\n`;
}

function uptimeText(env: ExecEnv): string {
  const d = new Date(env.nowSeconds * 1000);
  const clock = d.toISOString().slice(11, 19);
  const days = Math.floor(env.uptime / 86400);
  const h = Math.floor((env.uptime % 86400) / 3600);
  const m = Math.floor((env.uptime % 3600) / 60);
  return ` ${clock} up ${days} days, ${String(h).padStart(2, " ")}:${String(m).padStart(2, "0")},  0 users,  load average: 0.08, 0.05, 0.01\n`;
}

const ok = (out: string): ExecResult => ({ exitcode: 0, out, err: "" });

type Program = (args: string[], env: ExecEnv) => ExecResult;

const FILES: Record<string, (env: ExecEnv) => string> = {
  "/etc/os-release": (env) => osRelease(env.facts),
  "/etc/hostname": (env) => `${env.facts.hostname}\n`,
};

const PROGRAMS: Record<string, Program> = {
  true: () => ok(""),
  false: () => ({ exitcode: 1, out: "", err: "" }),
  hostname: (_, env) => ok(`${env.facts.hostname}\n`),
  whoami: () => ok("root\n"),
  id: () => ok("uid=0(root) gid=0(root) groups=0(root)\n"),
  echo: (args) => ok(`${args.join(" ")}\n`),
  uname: (args, env) => {
    const o = env.facts.osinfo;
    if (args.includes("-a")) {
      return ok(
        `Linux ${env.facts.hostname} ${o["kernel-release"]} ${o["kernel-version"]} ${o.machine} ${o.machine} ${o.machine} GNU/Linux\n`,
      );
    }
    if (args.includes("-r")) return ok(`${o["kernel-release"]}\n`);
    return ok("Linux\n");
  },
  uptime: (_, env) => ok(uptimeText(env)),
  date: (_, env) => ok(`${new Date(env.nowSeconds * 1000).toUTCString().replace("GMT", "UTC")}\n`),
  df: (_, env) => ok(df(env.facts)),
  cat: (args, env) => {
    if (args.length === 0) return ok(env.input);
    let out = "";
    let err = "";
    for (const f of args) {
      const file = FILES[f];
      if (file) out += file(env);
      else err += `cat: ${f}: No such file or directory\n`;
    }
    return { exitcode: err ? 1 : 0, out, err };
  },
  systemctl: (args, env) => {
    if (args[0] !== "is-active" || args.length < 2) {
      return { exitcode: 1, out: "", err: "Too few arguments.\n" };
    }
    const units = UNITS[env.guest.vmid] ?? {};
    const states = args.slice(1).map((u) => units[u.replace(/\.service$/, "")] ?? "inactive");
    return {
      exitcode: states.every((s) => s === "active") ? 0 : 3,
      out: `${states.join("\n")}\n`,
      err: "",
    };
  },
  sleep: (args) => {
    const n = Number(args[0]);
    if (!args[0] || !Number.isFinite(n) || n < 0) {
      return {
        exitcode: 1,
        out: "",
        err: args[0] ? `sleep: invalid time interval '${args[0]}'\n` : "sleep: missing operand\n",
      };
    }
    return { exitcode: 0, out: "", err: "", durationMs: n * 1000 };
  },
};

/** The program a path names: "uname", "/usr/bin/uname", "/bin/uname". */
function program(path: string): Program | undefined {
  const m = /^(?:\/(?:usr\/)?s?bin\/)?([\w.-]+)$/.exec(path);
  return m?.[1] ? PROGRAMS[m[1]] : undefined;
}

/** Splits a shell line into words, honouring simple quotes. */
function words(line: string): string[] {
  const res: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) res.push(m[1] ?? m[2] ?? m[3] ?? "");
  return res;
}

/** A small `sh -c`: commands joined by `;`, `&&` and `||`, plus `exit N`. */
function shell(line: string, env: ExecEnv): ExecResult {
  let out = "";
  let err = "";
  let exitcode = 0;
  let durationMs = 0;
  const parts = line.split(/(;|&&|\|\|)/);
  let op = ";";
  for (let i = 0; i < parts.length; i += 2) {
    const cmd = (parts[i] ?? "").trim();
    const skip = (op === "&&" && exitcode !== 0) || (op === "||" && exitcode === 0);
    op = parts[i + 1] ?? ";";
    if (skip || !cmd) continue;
    const [name = "", ...args] = words(cmd);
    if (name === "exit") return { exitcode: Number(args[0] ?? exitcode), out, err, durationMs };
    const prog = program(name);
    if (!prog) {
      err += `/bin/sh: 1: ${name}: not found\n`;
      exitcode = 127;
      continue;
    }
    const r = prog(args, env);
    out += r.out;
    err += r.err;
    exitcode = r.exitcode;
    durationMs += r.durationMs ?? 0;
  }
  return { exitcode, out, err, durationMs };
}

/** Runs argv the way the agent does; throws SpawnError when it cannot start it. */
export function runCommand(argv: string[], env: ExecEnv): ExecResult {
  const [path = "", ...args] = argv;
  const shellName = /^(?:\/(?:usr\/)?bin\/)?(sh|bash|dash)$/.exec(path)?.[1];
  if (shellName && args[0] === "-c") {
    const r = shell(args[1] ?? "", env);
    return shellName === "bash"
      ? {
          ...r,
          err: r.err
            .replace(/\/bin\/sh: 1: /g, "bash: line 1: ")
            .replace(/: not found/g, ": command not found"),
        }
      : r;
  }
  const prog = program(path);
  if (!prog) {
    throw new SpawnError(
      `Failed to execute child process \u201c${path}\u201d (No such file or directory)`,
    );
  }
  return prog(args, env);
}

/** The agent's process table per VM. */
export class AgentExecTable {
  private readonly processes = new Map<number, Map<number, ExecProcess>>();
  private nextPid = 4211;

  spawn(vmid: number, result: ExecResult, nowMs: number): number {
    const pid = this.nextPid;
    this.nextPid += 3 + (pid % 5);
    const table = this.processes.get(vmid) ?? new Map<number, ExecProcess>();
    this.processes.set(vmid, table);
    table.set(pid, { ...result, endsAtMs: nowMs + (result.durationMs ?? 0) });
    return pid;
  }

  /**
   * guest-exec-status: undefined for an unknown pid; `{exited: 0}` while the
   * process runs; the result once, after which the pid is gone.
   */
  status(vmid: number, pid: number, nowMs: number): Record<string, unknown> | undefined {
    const table = this.processes.get(vmid);
    const p = table?.get(pid);
    if (!table || !p) return undefined;
    if (p.endsAtMs > nowMs) return { exited: 0 };
    table.delete(pid);
    const res: Record<string, unknown> = { exited: 1, exitcode: p.exitcode };
    if (p.out) {
      res["out-data"] = p.out.slice(0, MAX_OUTPUT);
      if (p.out.length > MAX_OUTPUT) res["out-truncated"] = 1;
    }
    if (p.err) {
      res["err-data"] = p.err.slice(0, MAX_OUTPUT);
      if (p.err.length > MAX_OUTPUT) res["err-truncated"] = 1;
    }
    return res;
  }
}
