// What PVE asks the guests themselves: QEMU guest agent commands (GET
// .../qemu/{vmid}/agent/<command>) and a running container's interfaces.
//
// qemu-server checks, in this order, that the config has an `agent` option,
// that the VM runs, and that the agent answers a guest-ping; each failure is
// an HTTP 500 with its message. A successful command's answer is wrapped as
// `{ "result": <what the agent said> }`.

import { handlerError } from "../http";
import { type AgentFacts, containerInterfaces, GUEST_AGENTS } from "../model/guest-agent";
import type { Guest } from "../model/types";
import { type HandlerContext, loadGuest, type RouteTable } from "./context";

/** `agent: 1`, `agent: enabled=1,fstrim_cloned_disks=1`, ... (the default key is `enabled`). */
function agentEnabled(g: Guest): boolean {
  const first = String(g.config.agent ?? "").split(",")[0] ?? "";
  return first === "1" || first === "enabled=1";
}

function agentCommand(answer: (facts: AgentFacts) => unknown) {
  return (ctx: HandlerContext): unknown => {
    const g = loadGuest(ctx, "qemu");
    if (g.config.agent === undefined) throw handlerError("No QEMU guest agent configured");
    if (g.status !== "running") throw handlerError(`VM ${g.vmid} is not running`);
    // A disabled agent has no virtio-serial port and a paused guest cannot answer the ping.
    const facts = agentEnabled(g) && !g.paused ? GUEST_AGENTS[g.vmid] : undefined;
    if (!facts) throw handlerError("QEMU guest agent is not running");
    return { result: structuredClone(answer(facts)) };
  };
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
};
