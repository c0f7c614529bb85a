import { ToolError } from "../mcp/tool";
import type { GuestType } from "../proxmox/identifiers";
import { isNicKey } from "../tools/support/pve-config";

/**
 * The configuration keys plan_configure may set, per guest type, with a check of each value.
 * A short, explicit list: what admins change day to day, nothing that carries a secret
 * (passwords, cloud-init credentials) and nothing that only root@pam may set.
 */
type Check = (value: string) => string | undefined;

const int =
  (min: number, max: number): Check =>
  (v) =>
    /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max
      ? undefined
      : `a whole number from ${min} to ${max}`;

const bool: Check = (v) => (v === "0" || v === "1" ? undefined : "true or false");
const dnsName: Check = (v) =>
  /^(?=.{1,63}$)[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(
    v,
  )
    ? undefined
    : "a DNS name such as web-01";
const text: Check = (v) => (v.length <= 8192 ? undefined : "at most 8192 characters");
const tags: Check = (v) =>
  /^[a-z0-9_][a-z0-9_+.-]*(;[a-z0-9_][a-z0-9_+.-]*)*$/i.test(v) && v.length <= 512
    ? undefined
    : "tags separated by ';', each letters, digits, _ + . -";
const startup: Check = (v) =>
  /^(order=\d+)?(,?(up|down)=\d+)*$/.test(v) && v.length > 0
    ? undefined
    : "like order=1,up=30,down=60";
// A NIC property string: key=value pairs (model, bridge, tag, firewall, rate, link_down,
// macaddr; for containers name, ip, gw ...). Proxmox validates each part; here only the shape.
const nic: Check = (v) =>
  /^[a-z0-9_]+(=[^,=\s]+)?(,[a-z0-9_-]+=[^,=\s]+)*$/i.test(v) && v.length <= 512
    ? undefined
    : "a NIC description like virtio,bridge=vmbr0,tag=20";

const COMMON: Record<string, Check> = {
  cores: int(1, 8192),
  memory: int(16, 8_388_608),
  description: text,
  tags,
  onboot: bool,
  startup,
  protection: bool,
};

const BY_TYPE: Record<GuestType, Record<string, Check>> = {
  qemu: { ...COMMON, sockets: int(1, 4), balloon: int(0, 8_388_608), name: dnsName },
  lxc: { ...COMMON, hostname: dnsName, swap: int(0, 8_388_608) },
};

/** PVE allows net0 to net31. */
const isNic = (key: string): boolean => isNicKey(key) && Number(key.slice(3)) <= 31;

/** The keys listed for a type, for error messages and the tool description. */
export function configurableKeys(type: GuestType): string[] {
  return [...Object.keys(BY_TYPE[type]), "net0-net31"];
}

/** PVE's form of a value: booleans as 0/1, everything as text. */
export function pveValue(value: string | number | boolean): string {
  return typeof value === "boolean" ? (value ? "1" : "0") : String(value);
}

/** Refuses an unknown key or a malformed value, saying what would be right. */
export function checkConfigValue(type: GuestType, key: string, value: string): void {
  const check = isNic(key) ? nic : BY_TYPE[type][key];
  if (!check) {
    throw new ToolError(
      `'${key.slice(0, 40)}' cannot be changed with plan_configure for a ${type === "qemu" ? "VM" : "container"}.`,
      `Keys it changes: ${configurableKeys(type).join(", ")}. Disks grow with action resize.`,
    );
  }
  const problem = check(value);
  if (problem) {
    throw new ToolError(
      `${key} must be ${problem}; got '${value.slice(0, 60)}'.`,
      `Pass ${key} as ${problem}.`,
    );
  }
}

/**
 * Whether a running guest takes a change at once or keeps it pending until it restarts,
 * following qemu-server's hotplug rules (option `hotplug`, default network,disk,usb) and
 * pve-container's (most keys apply live). A prediction: the apply answer reports what
 * Proxmox actually left pending.
 */
export function appliesNow(
  type: GuestType,
  key: string,
  running: boolean,
  hotplug: string,
): boolean {
  if (!running) return true;
  if (["description", "tags", "onboot", "startup", "protection", "name"].includes(key)) return true;
  if (type === "lxc") return key !== "hostname";
  const plugs =
    hotplug === "0"
      ? []
      : hotplug === "1"
        ? ["network", "disk", "usb", "cpu", "memory"]
        : hotplug.split(",");
  if (isNic(key)) return plugs.includes("network");
  if (key === "cores" || key === "sockets") return plugs.includes("cpu");
  if (key === "memory") return plugs.includes("memory");
  if (key === "balloon") return true;
  return false;
}
