import * as z from "zod";
import { ToolError } from "../../mcp/tool";
import type { PveParamValue } from "../../proxmox/encoding";
import { ProxmoxError } from "../../proxmox/errors";
import { parseStorageId, parseVolumeId } from "../../proxmox/identifiers";
import { getResources } from "../../tools/support/inventory";
import { checkConfigValue } from "../config-keys";
import { guestPaths } from "../guest-paths";
import { checkRoom, freeVmid, onlineNode, storageRoom } from "../new-guest";
import { defineOperation } from "../operation";

const GIB = 1024 ** 3;

/** PVE's guest OS types (qemu-server `ostype`). */
const OS_TYPES = [
  "l26",
  "l24",
  "win11",
  "win10",
  "win8",
  "win7",
  "wvista",
  "w2k8",
  "w2k3",
  "w2k",
  "wxp",
  "solaris",
  "other",
] as const;

export const createArgs = z.object({
  type: z
    .enum(["qemu", "lxc"], { error: "type must be qemu (VM) or lxc (container)" })
    .describe("qemu (VM) or lxc (CT)"),
  node: z.string({ error: "node is required: where to create it" }).max(63).describe("node"),
  name: z.string({ error: "name is required" }).max(63).describe("name (CT: hostname)"),
  vmid: z.number().int().min(100).max(999_999_999).optional().describe("default: next free"),
  cores: z.number().int().min(1).max(512).default(2).describe("cores"),
  memory: z
    .number()
    .int()
    .min(64)
    .max(8_388_608)
    .optional()
    .describe("MiB; default 2048 VM, 512 CT"),
  disk_gb: z.number().int().min(1).max(65_536).optional().describe("GiB; default 32 VM, 8 CT"),
  storage: z.string().max(100).default("local-lvm").describe("disk storage"),
  iso: z.string().max(255).optional().describe("VM: ISO volume id"),
  template: z.string().max(255).optional().describe("CT: vztmpl volume id"),
  bridge: z.string().max(20).default("vmbr0").describe("bridge"),
  ostype: z.enum(OS_TYPES).optional().describe("VM; default l26"),
  ssh_public_keys: z.string().max(8192).optional().describe("CT: root SSH keys"),
  password: z.string().min(5).max(64).optional().describe("CT: root password"),
  unprivileged: z.boolean().default(true).describe("CT"),
  start: z.boolean().default(false).describe("start when created"),
});

type CreateArgs = z.output<typeof createArgs>;

function params(args: CreateArgs, vmid: number): Record<string, PveParamValue> {
  const memory = args.memory ?? (args.type === "qemu" ? 2048 : 512);
  const disk = args.disk_gb ?? (args.type === "qemu" ? 32 : 8);
  const out: Record<string, PveParamValue> = { vmid, cores: args.cores, memory };
  if (args.type === "qemu") {
    out.name = args.name;
    out.scsihw = "virtio-scsi-single";
    out.scsi0 = `${args.storage}:${disk}`;
    out.ide2 = args.iso ? `${args.iso},media=cdrom` : "none,media=cdrom";
    out.net0 = `virtio,bridge=${args.bridge}`;
    out.ostype = args.ostype ?? "l26";
  } else {
    out.hostname = args.name;
    out.ostemplate = args.template ?? "";
    out.rootfs = `${args.storage}:${disk}`;
    out.net0 = `name=eth0,bridge=${args.bridge},ip=dhcp`;
    out.unprivileged = args.unprivileged;
    if (args.ssh_public_keys) out["ssh-public-keys"] = args.ssh_public_keys;
    if (args.password) out.password = args.password;
  }
  if (args.start) out.start = true;
  return out;
}

/** Creates a VM or container (admin). */
export const createOperation = defineOperation<CreateArgs>({
  name: "create",
  args: createArgs,
  scope: () => "pve:admin",
  async inspect(pve, args, _ctx, phase) {
    const kind = args.type === "qemu" ? "VM" : "CT";
    checkConfigValue(args.type, args.type === "qemu" ? "name" : "hostname", args.name);
    if (args.type === "qemu" && (args.template || args.ssh_public_keys || args.password)) {
      throw new ToolError(
        "template, ssh_public_keys and password are for containers (a VM's OS sets its own).",
        "Leave them out for a VM; pass iso to boot an installer.",
      );
    }
    if (args.type === "lxc" && (args.iso || args.ostype)) {
      throw new ToolError(
        "iso and ostype are for VMs.",
        "Pass template (a vztmpl volume) for a container.",
      );
    }
    if (args.type === "lxc" && !args.template) {
      throw new ToolError(
        "A container needs a template.",
        "Pass template, e.g. local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst (list_templates kind ct_template lists them).",
      );
    }
    if (!/^vmbr\w{1,10}$|^[a-z][\w.-]{1,14}$/.test(args.bridge)) {
      throw new ToolError(
        `bridge '${args.bridge}' is not a bridge name.`,
        "Pass e.g. vmbr0 (node_network lists them).",
      );
    }
    const node = onlineNode(await getResources(pve, "node"), args.node);
    const vmid = await freeVmid(pve, args.vmid);
    const diskGb = args.disk_gb ?? (args.type === "qemu" ? 32 : 8);
    // Room and media were checked at plan time; at apply Proxmox's own checks stand behind them.
    const space =
      phase === "plan"
        ? checkRoom(
            await storageRoom(pve, node, args.storage),
            args.type === "qemu" ? "images" : "rootdir",
            diskGb * GIB,
            `a ${diskGb} GiB disk`,
          )
        : "checked when planned";
    const media = args.type === "qemu" ? args.iso : args.template;
    if (media && phase === "plan") {
      const volume = parseVolumeId(media);
      const storage = parseStorageId(volume.slice(0, volume.indexOf(":")));
      await pve.get(guestPaths.volume(node, storage, volume)).catch((error: unknown) => {
        if (
          error instanceof ProxmoxError &&
          (error.kind === "upstream" || error.kind === "not_found")
        ) {
          throw new ToolError(
            `${media} is not on ${node}.`,
            `list_templates shows the ${args.type === "qemu" ? "ISO images" : "container templates"} each node can use.`,
          );
        }
        throw error;
      });
    }
    const p = params(args, vmid);
    const memory = Number(p.memory);
    const shown = Object.entries(p)
      // Keys and passwords are never shown: the plan only says they are set.
      .filter(([key]) => key !== "ssh-public-keys" && key !== "password")
      .map(([k, v]) => `${k}=${v === true ? 1 : v}`)
      .join(", ");
    return {
      args: { ...args, vmid, node },
      guest: { vmid, node, type: args.type, name: args.name, status: "absent", template: false },
      tags: [],
      body: {
        effect: `Create ${kind} ${vmid} (${args.name}) on ${node}: ${args.cores} cores, ${memory} MiB, ${diskGb} GiB on ${args.storage}`,
        risk: "routine",
        target: { vmid, name: args.name, type: args.type, node, status: "absent" },
        steps: [
          `POST /nodes/${node}/${args.type} (${shown}${args.ssh_public_keys ? ", ssh-public-keys" : ""}${args.password ? ", password" : ""})`,
          `VMID ${vmid} is free now (Proxmox reserves nothing: if someone takes it first, the task fails and nothing is created).`,
          `Disk: ${space}.`,
          args.type === "qemu"
            ? args.iso
              ? `CD drive: ${args.iso}; the VM boots the installer when started.`
              : "No ISO: the CD drive is empty."
            : `From template ${args.template}, ${args.unprivileged ? "unprivileged" : "privileged"}, DHCP on ${args.bridge}.`,
          args.start ? "Proxmox starts it when it is created." : "It stays stopped.",
        ],
        losses: [],
        warnings:
          args.type === "lxc" && !args.ssh_public_keys && !args.password
            ? [
                "No SSH key or password: set a root password later from the node (pct enter, passwd).",
              ]
            : args.type === "lxc" && !args.unprivileged
              ? ["A privileged container's root is root on the host."]
              : [],
        preconditions: { vmid_free: String(vmid), node },
      },
    };
  },
  async send(pve, { args, guest }) {
    const path = guestPaths.create(guest.node, args.type);
    return { upid: await pve.post<string>(path, params(args, guest.vmid)) };
  },
});
