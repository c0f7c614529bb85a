import type { AllowListEnv } from "./allow-list";
import { escapeHtml, page } from "./html";
import type { OidcError, VerifiedIdentity } from "./oidc";
import type { Role } from "./scopes";

/** A link that hands the OAuth error back to the app that started signing in. */
function returnLink(backTo: string): string {
  return `<p><a class="button" href="${escapeHtml(backTo)}">Return to the app</a></p>`;
}

export interface NotOnListOptions {
  identity: VerifiedIdentity;
  backTo: string;
  variables: Record<Role, keyof AllowListEnv>;
}

/** The provider vouched for the user, but the operator has not let them in. */
export function notOnListPage({ identity, backTo, variables }: NotOnListOptions): string {
  const who = identity.email
    ? `<strong>${escapeHtml(identity.name)}</strong> (${escapeHtml(identity.email)}, subject <code>${escapeHtml(identity.subject)}</code>)`
    : `<strong>${escapeHtml(identity.name)}</strong> (subject <code>${escapeHtml(identity.subject)}</code>)`;
  const entry = identity.email ?? identity.subject;
  const unverified = identity.unverifiedEmail
    ? `<p class="warn">Your identity provider does not confirm the address ${escapeHtml(identity.unverifiedEmail)} as verified, so it cannot be used to let you in; the operator can list your subject instead (or set OIDC_TRUST_EMAIL=true if this provider verifies every email).</p>`
    : "";
  const lists = [variables.viewer, variables.operator, variables.admin]
    .map((name) => `<code>${name}</code>`)
    .join(", ");
  return page(
    "Not on this server's list",
    `<h1>You are not on this server's list</h1>
<p>You signed in as ${who}.</p>
<p>This Proxmox MCP server only lets in the people its operator listed, and this account is not one of them. Nothing was granted to the app.</p>
${unverified}<p>To get access, ask the operator to add <code>${escapeHtml(entry)}</code> to one of ${lists} (viewer, operator or admin) in the server's configuration and deploy it; then connect from your app again.</p>
${returnLink(backTo)}`,
  );
}

/** The provider could not be reached, refused the code, or sent a token that failed verification. */
export function signInFailedPage(error: OidcError, backTo: string): string {
  const title =
    error.failure === "unavailable"
      ? "The identity provider is unavailable"
      : "Sign-in could not be verified";
  const advice =
    error.failure === "unavailable"
      ? "Try again in a moment. If it keeps failing, the operator should check the OIDC settings."
      : "Nothing was granted. Start signing in again from your app; if it keeps failing, tell the operator.";
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(error.message)}</p>
<p>${escapeHtml(advice)}</p>
${returnLink(backTo)}`,
  );
}
