// What PVE asks the guests themselves: QEMU guest agent commands (GET
// .../qemu/{vmid}/agent/<command>) and a running container's interfaces.
//
// qemu-server checks, in this order, that the config has an `agent` option,
// that the VM runs, and that the agent answers a guest-ping; each failure is
// an HTTP 500 with its message. A successful command's answer is wrapped as
// `{ "result": <what the agent said> }`.

import { handlerError } from "../http";
import { runCommand, SpawnError } from "../model/agent-exec";
import { type AgentFacts, containerInterfaces, GUEST_AGENTS } from "../model/guest-agent";
import type { Guest } from "../model/types";
import { type HandlerContext, loadGuest, type RouteTable, requiredInt, str } from "./context";

/** `agent: 1`, `agent: enabled=1,fstrim_cloned_disks=1`, ... (the default key is `enabled`). */
function agentEnabled(g: Guest): boolean {
  const first = String(g.config.agent ?? "").split(",")[0] ?? "";
  return first === "1" || first === "enabled=1";
}

/** assert_agent_available: the VM's agent facts, or PVE's error. */
function availableAgent(g: Guest): AgentFacts {
  if (g.config.agent === undefined) throw handlerError("No QEMU guest agent configured");
  if (g.status !== "running") throw handlerError(`VM ${g.vmid} is not running`);
  // A disabled agent has no virtio-serial port and a paused guest cannot answer the ping.
  const facts = agentEnabled(g) && !g.paused ? GUEST_AGENTS[g.vmid] : undefined;
  if (!facts) throw handlerError("QEMU guest agent is not running");
  return facts;
}

function agentCommand(answer: (facts: AgentFacts) => unknown) {
  return (ctx: HandlerContext): unknown => {
    const facts = availableAgent(loadGuest(ctx, "qemu"));
    return { result: structuredClone(answer(facts)) };
  };
}

/** An error the agent answers, as PVE's QMP client reports it. */
function qgaError(vmid: number, command: string, desc: string): Error {
  return handlerError(`VM ${vmid} qga command 'guest-${command}' failed - ${desc}`);
}

/**
 * POST .../agent/exec: `{pid}` of the started process. argv[0] runs with the
 * other elements as its arguments; only `sh -c <line>` gets a shell.
 */
function agentExec(ctx: HandlerContext): unknown {
  const g = loadGuest(ctx, "qemu");
  const raw = ctx.params.command;
  const argv = (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]).map(
    String,
  );
  const input = str(ctx, "input-data");
  const facts = availableAgent(g);
  try {
    const result = runCommand(argv, {
      guest: g,
      facts,
      input: input ?? "",
      uptime: ctx.cluster.uptime(g),
      nowSeconds: ctx.nowSeconds(),
    });
    return { pid: ctx.cluster.agentExec.spawn(g.vmid, result, ctx.tasks.now()) };
  } catch (err) {
    if (!(err instanceof SpawnError)) throw err;
    throw qgaError(g.vmid, "exec", `Guest agent command failed, error was '${err.message}'`);
  }
}

/** GET .../agent/exec-status: `{exited: 0}`, then the result once. */
function agentExecStatus(ctx: HandlerContext): unknown {
  const g = loadGuest(ctx, "qemu");
  availableAgent(g);
  const pid = requiredInt(ctx, "pid");
  const status = ctx.cluster.agentExec.status(g.vmid, pid, ctx.tasks.now());
  if (!status) throw qgaError(g.vmid, "exec-status", "Invalid parameter 'pid'");
  return status;
}

/** PVE::LXC::get_interfaces: undefined (data null) when the container is not running. */
function lxcInterfaces(ctx: HandlerContext): unknown {
  const g = loadGuest(ctx, "lxc");
  return g.status === "running" ? containerInterfaces(g) : null;
}

export const guestAgentRoutes: RouteTable = {
  "GET /nodes/{node}/qemu/{vmid}/agent/get-osinfo": agentCommand((f) => f.osinfo),
  "GET /nodes/{node}/qemu/{vmid}/agent/get-host-name": agentCommand((f) => ({
    "host-name": f.hostname,
  })),
  "GET /nodes/{node}/qemu/{vmid}/agent/get-fsinfo": agentCommand((f) => f.filesystems),
  "GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces": agentCommand((f) => f.interfaces),
  "GET /nodes/{node}/lxc/{vmid}/interfaces": lxcInterfaces,
  "POST /nodes/{node}/qemu/{vmid}/agent/exec": agentExec,
  "GET /nodes/{node}/qemu/{vmid}/agent/exec-status": agentExecStatus,
};
