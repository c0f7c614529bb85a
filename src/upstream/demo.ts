/**
 * The embedded demo cluster (the simulator Worker bound as PVE_DEMO under
 * `npm start` and in tests). These are its public, built-in credentials:
 * they open nothing but the fake cluster. Used only when PROXMOX_BASE_URL is
 * unset and the demo binding exists, which never holds in production.
 */
export const DEMO_BASE_URL = "https://pve-demo.localhost:8006";
export const DEMO_TOKEN_ID = "root@pam!mcp";
export const DEMO_TOKEN_SECRET = "3f6c2b8e-5a1d-4e7f-9b0c-8d2a6e4f1c37";
