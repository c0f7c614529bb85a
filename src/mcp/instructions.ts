/**
 * Server instructions sent at initialization. Models read these before any
 * tool description, so they carry the conventions every tool shares.
 */
export const SERVER_INSTRUCTIONS = `Inspect and operate one Proxmox VE cluster.
Start with cluster_overview for health and capacity, list_guests to find VMs and containers (filter by node, type, status, tag), node_status for one node's details, session_info for your role and this session's history.
Numbers are raw: bytes, seconds, CPU and usage as 0-1 fractions. Guests are addressed by VMID.
Which tools you see depends on the role granted at sign-in (viewer reads; operator also powers, snapshots, backs up; admin also creates, reconfigures, deletes, restores).
Changes are two-step: the first call returns a plan (target, current state, what changes, what is lost) and a single-use confirmation token; nothing changes until the same tool is called again with that token. Only confirm after the user clearly approved that exact plan; never invent or reuse a token.
Errors say what went wrong and what to try; follow the hint instead of retrying blindly.`;
