import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { escapeHtml, page } from "./html";
import { ROLE_DESCRIPTIONS, ROLES, type Role, roleFromScopes } from "./scopes";

export interface ConsentPageOptions {
  details: ConsentDescription;
  handle: string;
  /** Dev sign-in: the page lets the developer pick the role to sign in with. */
  devSignIn: boolean;
  defaultRole: Role;
  /** Upstream sign-in: the provider the user signs in with after approving. */
  upstream?: { provider: string; canRemember: boolean };
}

/**
 * The consent page. Everything from the client (name, domain, scopes) is
 * attacker-chosen under dynamic registration, so all of it is escaped.
 */
export function consentPage({
  details,
  handle,
  devSignIn,
  defaultRole,
  upstream,
}: ConsentPageOptions): string {
  const name = escapeHtml(details.clientName || "An unnamed app");
  const publisher = details.clientDomain
    ? `<p>Published by <strong>${escapeHtml(details.clientDomain)}</strong>.</p>`
    : "<p>This app registered itself; its name is not verified.</p>";
  const loopback = details.redirectIsLoopback
    ? '<p class="warn"><strong>Access will be sent to an app on this computer.</strong> Continue only if you just started signing in from it.</p>'
    : "";
  // The scopes in words: the highest role they carry is the most this app can get.
  const asked = roleFromScopes(details.scope) ?? "admin";
  const requested = `<p>It asks for ${
    details.scope.length
      ? details.scope.map((s) => `<code>${escapeHtml(s)}</code>`).join(", ")
      : "no particular scope"
  }: at most the <strong>${asked}</strong> role (${escapeHtml(ROLE_DESCRIPTIONS[asked])}). It gets the lower of that and your own role.</p>`;
  const roles = devSignIn
    ? `<div class="dev"><p><strong>Development sign-in.</strong> You will be signed in as the local developer. This is only possible on localhost with DEV_SIGN_IN enabled.</p>${ROLES.map(
        (role) =>
          `<label><input type="radio" name="role" value="${role}"${role === defaultRole ? " checked" : ""}> <strong>${role}</strong>: ${escapeHtml(ROLE_DESCRIPTIONS[role])}</label>`,
      ).join("")}</div>`
    : "";
  const next = upstream
    ? `<p>Next you sign in with <strong>${escapeHtml(upstream.provider)}</strong>. The app gets the role this server's operator gave your account (viewer, operator or admin), never more than it asks for.</p>${
        upstream.canRemember
          ? '<label><input type="checkbox" name="remember" value="yes" checked> Don\'t ask again for this app in this browser (30 days)</label>'
          : ""
      }`
    : "";
  return page(
    `Allow ${details.clientName || "app"} to use Proxmox?`,
    `<h1>Allow ${name} to use your Proxmox cluster?</h1>
${publisher}
<p>Access will be sent to <strong>${escapeHtml(details.redirectHost)}</strong>.</p>
${loopback}${requested}
<form method="post">
<input type="hidden" name="handle" value="${escapeHtml(handle)}">
${roles}${next}
<p><button name="decision" value="approve">Allow</button><button name="decision" value="deny">Deny</button></p>
</form>`,
  );
}
