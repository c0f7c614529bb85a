// Credentials the demo cluster accepts. They are public on purpose: the
// simulator only ever runs locally (`npm start`, tests) and guards nothing.

/** Full-privilege API token of root@pam (no privilege separation). */
export const DEMO_ADMIN_TOKEN_ID = "root@pam!mcp";
export const DEMO_ADMIN_TOKEN_SECRET = "3f6c2b8e-5a1d-4e7f-9b0c-8d2a6e4f1c37";

/** Privilege-separated token of auditor@pve with the PVEAuditor role: read-only. */
export const DEMO_READONLY_TOKEN_ID = "auditor@pve!readonly";
export const DEMO_READONLY_TOKEN_SECRET = "9a1e4d7c-2b6f-4c3a-8e5d-0f7b3c9a2d16";

/** A user for ticket auth (POST /access/ticket): may audit everything and power guests. */
export const DEMO_USERNAME = "demo@pve";
export const DEMO_PASSWORD = "demo";

/** The Authorization header value for an API token. */
export function apiTokenAuthorization(tokenId: string, secret: string): string {
  return `PVEAPIToken=${tokenId}=${secret}`;
}

export const DEMO_ADMIN_AUTHORIZATION = apiTokenAuthorization(
  DEMO_ADMIN_TOKEN_ID,
  DEMO_ADMIN_TOKEN_SECRET,
);
export const DEMO_READONLY_AUTHORIZATION = apiTokenAuthorization(
  DEMO_READONLY_TOKEN_ID,
  DEMO_READONLY_TOKEN_SECRET,
);
