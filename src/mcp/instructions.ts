/**
 * Server instructions sent at initialization. Models read these before any
 * tool description, so they carry the conventions every tool shares.
 */
export const SERVER_INSTRUCTIONS = `Inspect and operate one Proxmox VE cluster.
Start with cluster_overview (health, capacity, nodes) and list_guests (find VMs and containers by node, type, status, tag). Guest tools take a VMID or a guest name. Tasks are identified by UPID; task_status can wait for one.
Numbers are raw: bytes, seconds, unix times, CPU and usage as 0-1 fractions. Long lists are capped or paged and say so.
Which tools you see depends on the role granted at sign-in (viewer reads; operator also powers, snapshots, backs up; admin also creates, reconfigures, deletes, restores). session_info tells your role; my_permissions explains what the server's Proxmox identity may do.
Changes are two-step: the first call returns a plan (target, current state, what changes, what is lost) and a single-use confirmation token; nothing changes until the same tool is called again with that token. Only confirm after the user clearly approved that exact plan; never invent or reuse a token.
Errors say what went wrong and what to try; follow the hint instead of retrying blindly.`;
