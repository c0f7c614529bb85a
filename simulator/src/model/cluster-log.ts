// The cluster log (pmxcfs clusterlog): what every node's daemons report to the
// whole cluster. Most of it is "starting task" / "end task" lines written by
// fork_worker, so it is derived from the task list (tasks started through the
// simulator show up too), plus logins and a failed login from the LAN.

import type { Task } from "../tasks";

const HOUR = 3600;
const DAY = 86400;

/** One entry as pmxcfs dumps it, before the API adds `id`. */
export interface ClusterLogEntry {
  uid: number;
  time: number;
  /** syslog priority: 3 err, 4 warning, 5 notice, 6 info. */
  pri: number;
  tag: string;
  pid: number;
  node: string;
  /** The user the entry is about (the "ident" pmxcfs filters on). */
  user: string;
  msg: string;
}

type Draft = Omit<ClusterLogEntry, "uid">;

/** pvedaemon worker pids per node (fork_worker runs in one of three workers). */
const DAEMON_PIDS: Record<string, number[]> = {
  pve1: [1544, 1545, 1546],
  pve2: [1421, 1422, 1423],
  pve3: [1398, 1399, 1400],
};
const SCHEDULER_PID = 1603;

function daemonPid(node: string, n: number): number {
  const pids = DAEMON_PIDS[node] ?? [1500];
  return pids[n % pids.length] ?? 1500;
}

function taskEntries(tasks: readonly Task[]): Draft[] {
  const res: Draft[] = [];
  tasks.forEach((t, i) => {
    // Backup jobs are started by pvescheduler, everything else through the API.
    const scheduled = t.type === "vzdump" && t.user === "root@pam";
    const tag = scheduled ? "pvescheduler" : "pvedaemon";
    const pid = scheduled ? SCHEDULER_PID : daemonPid(t.node, i);
    const base = { tag, pid, node: t.node, user: t.user };
    res.push({ ...base, time: t.starttime, pri: 6, msg: `starting task ${t.upid}` });
    if (t.status === "stopped" && t.endtime !== undefined) {
      const ok = t.exitstatus === "OK";
      res.push({
        ...base,
        time: t.endtime,
        pri: ok ? 6 : 3,
        msg: `end task ${t.upid} ${t.exitstatus ?? "unknown"}`,
      });
    }
  });
  return res;
}

function loginEntries(now: number): Draft[] {
  const login = (ago: number, node: string, user: string, n: number): Draft => ({
    time: now - ago,
    pri: 6,
    tag: "pvedaemon",
    pid: daemonPid(node, n),
    node,
    user,
    msg: `successful auth for user '${user}'`,
  });
  return [
    login(1 * DAY + 7 * HOUR, "pve1", "root@pam", 0),
    login(9 * HOUR + 12 * 60, "pve2", "root@pam", 1),
    login(52 * 60, "pve1", "root@pam", 2),
    {
      time: now - 3 * HOUR - 41 * 60,
      pri: 3,
      tag: "pvedaemon",
      pid: daemonPid("pve1", 1),
      node: "pve1",
      user: "admin@pam",
      msg: "authentication failure; rhost=::ffff:192.168.10.66 user=admin@pam msg=no such user ('admin@pam')",
    },
  ];
}

/** The whole log, newest first, with uids in the order the entries were written. */
export function clusterLog(tasks: readonly Task[], now: number): ClusterLogEntry[] {
  const drafts = [...taskEntries(tasks), ...loginEntries(now)]
    .filter((e) => e.time <= now)
    .sort((a, b) => a.time - b.time || a.node.localeCompare(b.node));
  return drafts.map((e, i) => ({ uid: 4_711 + i, ...e })).reverse();
}
