import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { PveParamValue } from "../../proxmox/encoding";
import { bytes } from "../../tools/support/format";
import { guestArg } from "../../tools/support/guests";
import { getResources } from "../../tools/support/inventory";
import { guestPaths } from "../guest-paths";
import {
  guestInspection,
  guestPreconditions,
  planTarget,
  readGuestState,
  refuseLocked,
  targetLabel,
} from "../guest-state";
import { onlineNode } from "../new-guest";
import { defineOperation } from "../operation";

export const migrateArgs = z.object({
  guest: guestArg,
  target: z
    .string({ error: "target is required: the node to move the guest to" })
    .max(63)
    .describe("target node"),
  restart: z
    .boolean()
    .optional()
    .describe("containers: allow the shutdown-move-start a running CT needs"),
  target_storage: z.string().max(100).optional().describe("storage for local disks on the target"),
});

type MigrateArgs = z.output<typeof migrateArgs>;

/** GET …/migrate: PVE's own pre-check (VMs answer snake_case, containers hyphenated names). */
interface PreCheck {
  running?: boolean | number;
  allowed_nodes?: string[];
  "allowed-nodes"?: string[];
  not_allowed_nodes?: Record<string, Record<string, unknown>>;
  "not-allowed-nodes"?: Record<string, Record<string, unknown>>;
  local_disks?: { volid: string; size?: number; is_unused?: number; cdrom?: number }[];
  local_resources?: string[];
  "mapped-resources"?: string[];
}

function reasonText(reason: Record<string, unknown> | undefined): string {
  if (!reason) return "Proxmox does not allow it";
  return Object.entries(reason)
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(", ") : String(value)}`)
    .join("; ");
}

/** Moves a guest to another node (admin). */
export const migrateOperation = defineOperation<MigrateArgs>({
  name: "migrate",
  args: migrateArgs,
  scope: () => "pve:admin",
  async inspect(pve, args) {
    // PVE's pre-check is the precondition here; the config digest is not.
    const state = await readGuestState(pve, args.guest, { config: false });
    const { guest } = state;
    const label = targetLabel(guest);
    if (args.target === guest.node) {
      throw new ToolError(`${label} is already on ${guest.node}.`, "Pass another node as target.");
    }
    const target = onlineNode(state.resources, args.target);
    refuseLocked(state, "migrate it");
    const check = await pve.get<PreCheck>(guestPaths.migrate(guest), {
      target,
    });
    const running = state.run !== "stopped";
    const allowed = check.allowed_nodes ?? check["allowed-nodes"];
    const notAllowed = check.not_allowed_nodes ?? check["not-allowed-nodes"] ?? {};
    if (allowed && !allowed.includes(target)) {
      throw new ToolError(
        `Proxmox's pre-check does not allow ${label} on ${target}: ${reasonText(notAllowed[target])}.`,
        `Nodes it allows: ${allowed.join(", ") || "none"}.`,
      );
    }
    const localResources = check.local_resources ?? [];
    if (localResources.length > 0) {
      throw new ToolError(
        `${label} uses local resources (${localResources.join(", ")}) that exist only on ${guest.node}.`,
        "Remove or map them (e.g. a resource mapping for PCI passthrough) before migrating.",
      );
    }
    const localDisks = (check.local_disks ?? []).filter((d) => !d.cdrom);
    const steps: string[] = [];
    const warnings: string[] = [];
    const params: Record<string, PveParamValue> = { target };
    let downtime: string;
    if (guest.type === "qemu") {
      if (running) params.online = true;
      if (localDisks.length > 0) params["with-local-disks"] = true;
      if (args.target_storage) params.targetstorage = args.target_storage;
      downtime = running
        ? "live migration: the VM keeps running; it pauses briefly (typically well under a second) at the switch-over"
        : "offline migration: the VM is stopped and stays stopped";
    } else {
      if (running && !args.restart) {
        throw new ToolError(
          `${label} is running; containers cannot move live, Proxmox shuts it down, moves it and starts it again.`,
          "Plan again with restart: true if that downtime is fine.",
        );
      }
      if (running) params.restart = true;
      if (args.target_storage) params["target-storage"] = args.target_storage;
      downtime = running
        ? "restart migration: the container is shut down, moved and started again (downtime: its shutdown and boot time)"
        : "offline migration: the container is stopped and stays stopped";
    }
    steps.push(
      `POST /nodes/${guest.node}/${guest.type}/${guest.vmid}/migrate (${Object.entries(params)
        .map(([k, v]) => `${k}=${v === true ? 1 : v}`)
        .join(", ")})`,
      `${downtime}.`,
    );
    if (localDisks.length > 0) {
      steps.push(
        `Local disks are copied to ${target}${args.target_storage ? ` onto '${args.target_storage}'` : " onto the same storage names"}: ${localDisks
          .map((d) => `${d.volid}${d.size ? ` (${bytes(d.size)})` : ""}`)
          .join(", ")}.`,
      );
    }
    if (state.ha) {
      steps.push(
        `HA manages it: Proxmox asks the HA manager to move it (hamigrate); it arrives a little later.`,
      );
    }
    if ((check["mapped-resources"] ?? []).length > 0) {
      warnings.push(
        `Mapped resources must exist on ${target}: ${(check["mapped-resources"] ?? []).join(", ")}.`,
      );
    }
    return {
      ...guestInspection(
        state,
        {
          ...args,
          guest: guest.vmid,
          target,
          ...(running && guest.type === "lxc" ? { restart: true } : {}),
        },
        {
          effect: `Move ${label} to ${target}${running ? (guest.type === "qemu" ? " (live)" : " (restart)") : ""}`,
          risk: "routine",
          target: planTarget(state),
          steps,
          losses: [],
          warnings,
          preconditions: {
            ...guestPreconditions(state),
            allowed: (allowed ?? []).join(","),
            local_disks: localDisks.map((d) => d.volid).join(","),
          },
        },
      ),
      alsoTouches: [{ node: target }],
    };
  },
  async send(pve, { args, guest, body }) {
    const params: Record<string, PveParamValue> = { target: args.target };
    const running = body.target.status !== "stopped";
    if (guest.type === "qemu") {
      if (running) params.online = true;
      if (body.preconditions.local_disks) params["with-local-disks"] = true;
      if (args.target_storage) params.targetstorage = args.target_storage;
    } else {
      if (running) params.restart = true;
      if (args.target_storage) params["target-storage"] = args.target_storage;
    }
    return {
      upid: await pve.post<string>(guestPaths.migrate(guest), params),
    };
  },
  // Only an HA-managed guest needs a look: its task only asked the HA manager to move it.
  async settle(pve, { args, guest, body }) {
    if (!body.preconditions.ha) return { reached: true, state: `now on ${args.target}` };
    const resources = await getResources(pve, "vm");
    const now = resources.find((r) => r.vmid === guest.vmid);
    const reached = now?.node === args.target;
    return {
      reached,
      state: reached
        ? `${targetLabel(guest)} is on ${args.target}`
        : `HA was asked to move it; it is still on ${now?.node ?? "?"}`,
    };
  },
});
