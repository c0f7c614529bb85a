import { ProxmoxError } from "../../proxmox/errors";

/**
 * Why a QEMU guest agent request failed, in words a sysadmin can act on.
 * qemu-server checks in this order: an `agent` option in the config, the VM
 * running, the agent answering a ping; each failure is an HTTP 500 whose text
 * we match here. Anything else (a missing privilege, an unreachable node) is
 * not an agent problem and is left to the caller.
 */
export interface AgentProblem {
  /** What PVE said, shortened. */
  reason: string;
  /** What to do about it. */
  hint: string;
}

export function agentProblem(error: unknown, vmid: number): AgentProblem | undefined {
  if (!(error instanceof ProxmoxError)) return undefined;
  const text = error.message;
  if (/No QEMU guest agent configured/i.test(text)) {
    return {
      reason: "no QEMU guest agent is configured for this VM",
      hint: `Enable it (VM options: QEMU Guest Agent, or \`qm set ${vmid} --agent enabled=1\`), install qemu-guest-agent in the guest, then reboot the VM through Proxmox (or stop and start it) so the agent's device is added.`,
    };
  }
  if (/QEMU guest agent is not running/i.test(text)) {
    return {
      reason: "the QEMU guest agent is not running inside the VM",
      hint: "Install and start qemu-guest-agent in the guest (e.g. `apt install qemu-guest-agent && systemctl enable --now qemu-guest-agent`; on Windows the VirtIO guest tools). The VM's options must have `agent: 1`.",
    };
  }
  if (/VM \d+ is not running/i.test(text)) {
    return {
      reason: "the VM is not running",
      hint: "The guest agent only answers while the VM runs.",
    };
  }
  if (/Agent error:/i.test(text)) {
    const detail = /Agent error: ([^)]*)/.exec(text)?.[1]?.trim() ?? "unknown";
    return {
      reason: `the guest agent refused the command (${detail})`,
      hint: "The agent in the guest may be too old or restricted by its configuration.",
    };
  }
  return undefined;
}
