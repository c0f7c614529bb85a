import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { PveParamValue } from "../../proxmox/encoding";
import { parseSnapshotName } from "../../proxmox/identifiers";
import { guestArg } from "../../tools/support/guests";
import { checkConfigValue } from "../config-keys";
import { guestDisks } from "../guest-disks";
import { guestPaths } from "../guest-paths";
import {
  guestInspection,
  guestPreconditions,
  planTarget,
  readGuestState,
  refuseLocked,
  targetLabel,
} from "../guest-state";
import { checkRoom, freeVmid, onlineNode, storageRoom } from "../new-guest";
import { defineOperation } from "../operation";

export const cloneArgs = z.object({
  guest: guestArg.describe("source (VMID or name)"),
  newid: z.number().int().min(100).max(999_999_999).optional().describe("default: next free"),
  name: z.string().max(63).optional().describe("clone's name"),
  target: z.string().max(63).optional().describe("node (default: source's)"),
  full: z.boolean().optional().describe("default: linked from a template, else full"),
  storage: z.string().max(100).optional().describe("full clones only"),
  snapshot: z.string().max(40).optional().describe("clone from this snapshot"),
});

type CloneArgs = z.output<typeof cloneArgs>;

interface Feature {
  hasFeature?: boolean | number;
  nodes?: string[];
}

/** Clones a guest or template to a new VMID (admin). */
export const cloneOperation = defineOperation<CloneArgs>({
  name: "clone",
  args: cloneArgs,
  scope: () => "pve:admin",
  async inspect(pve, args, _ctx, phase) {
    // At apply the configuration (disk sizes) and PVE's feature check only inform: skipped.
    const state = await readGuestState(pve, args.guest, { config: phase === "plan" });
    const { guest } = state;
    const label = targetLabel(guest);
    const full = args.full ?? !guest.template;
    if (!full && !guest.template) {
      throw new ToolError(
        `${label} is not a template: Proxmox makes linked clones only from templates, because a linked clone shares the template's read-only base disks.`,
        "Leave full out (a full copy), or convert the source to a template first.",
      );
    }
    if (!full && args.storage) {
      throw new ToolError(
        "A linked clone stays on the template's storage.",
        "Leave storage out, or pass full: true.",
      );
    }
    refuseLocked(state, "clone it");
    const targetNode = onlineNode(state.resources, args.target ?? guest.node);
    const newid = await freeVmid(pve, args.newid);
    const snapname = args.snapshot ? parseSnapshotName(args.snapshot) : undefined;
    const feature: Feature =
      phase === "plan"
        ? await pve.get<Feature>(guestPaths.feature(guest), {
            feature: full ? "copy" : "clone",
            ...(snapname ? { snapname } : {}),
          })
        : { hasFeature: true };
    if (!(feature.hasFeature === true || feature.hasFeature === 1)) {
      throw new ToolError(
        `Proxmox says ${label} cannot be ${full ? "fully copied" : "linked-cloned"}${snapname ? ` from snapshot ${snapname}` : ""} on its storage.`,
        full
          ? "Pass another storage, or check the disks' storages."
          : "Pass full: true for a full copy.",
      );
    }
    const disks = guestDisks(guest.type, state.config);
    const size = disks.reduce((sum, d) => sum + (d.size ?? 0), 0);
    const steps = [
      `POST /nodes/${guest.node}/${guest.type}/${guest.vmid}/clone (newid=${newid}${args.name ? `, ${guest.type === "qemu" ? "name" : "hostname"}=${args.name}` : ""}, full=${full ? 1 : 0}${targetNode !== guest.node ? `, target=${targetNode}` : ""}${args.storage ? `, storage=${args.storage}` : ""}${snapname ? `, snapname=${snapname}` : ""})`,
      full
        ? `Proxmox copies ${disks.length} disk${disks.length === 1 ? "" : "s"} (${Math.round(size / 1024 ** 3)} GiB) to the new guest; new MAC addresses are generated.`
        : "The clone's disks are thin overlays on the template's base disks; new MAC addresses are generated.",
    ];
    const warnings: string[] = [];
    if (args.storage && full && phase === "plan") {
      const room = await storageRoom(pve, targetNode, args.storage);
      steps.push(
        `Target storage ${checkRoom(room, guest.type === "qemu" ? "images" : "rootdir", size, "the copy")}.`,
      );
    }
    if (targetNode !== guest.node) {
      const nodes = feature.nodes ?? [];
      if (nodes.length > 0 && !nodes.includes(targetNode)) {
        throw new ToolError(
          `The disks of ${label} are not on storage that ${targetNode} can reach (usable nodes: ${nodes.join(", ")}).`,
          "Clone on the source's node and migrate the clone, or clone to shared storage.",
        );
      }
    }
    if (state.run === "running" && full) {
      warnings.push(
        "The source is running: the copy reflects its disks while in use (crash-consistent).",
      );
    }
    const name = args.name ?? `${guest.name || guest.type}-clone`;
    checkConfigValue(guest.type, guest.type === "qemu" ? "name" : "hostname", name);
    return {
      ...guestInspection(
        state,
        { ...args, guest: guest.vmid, newid, full, target: targetNode, name },
        {
          effect: `Clone ${label} to ${guest.type === "qemu" ? "VM" : "CT"} ${newid} (${name}) on ${targetNode}, ${full ? "full copy" : "linked"}`,
          risk: "routine",
          target: planTarget(state),
          steps,
          losses: [],
          warnings,
          preconditions: {
            ...guestPreconditions(state),
            newid_free: String(newid),
            ...(phase === "plan" ? { feature: full ? "copy" : "clone" } : {}),
          },
        },
      ),
      alsoTouches: [{ vmid: newid, node: targetNode }],
    };
  },
  async send(pve, { args, guest }) {
    const params: Record<string, PveParamValue> = {
      newid: args.newid ?? 0,
      full: args.full === true,
    };
    if (args.name) params[guest.type === "qemu" ? "name" : "hostname"] = args.name;
    if (args.target && args.target !== guest.node) params.target = args.target;
    if (args.storage) params.storage = args.storage;
    if (args.snapshot) params.snapname = args.snapshot;
    return {
      upid: await pve.post<string>(guestPaths.clone(guest), params),
    };
  },
});
