/**
 * Removes known secret values from text we did not write ourselves (PVE reason phrases, proxy
 * pages, runtime error messages) before it goes into an error. Proxmox does not echo credentials,
 * but a proxy in front of it might, and the cost of checking is one string scan per error.
 */

const REDACTED = "[redacted]";
// Very short values (like "1") would mangle ordinary text and are not worth hiding.
const MIN_SECRET_LENGTH = 4;

export type Redactor = (text: string) => string;

export function makeRedactor(secrets: () => Iterable<string | undefined>): Redactor {
  return (text) => {
    let out = text;
    for (const secret of secrets()) {
      if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
      out = out.split(secret).join(REDACTED);
      // Also catch the form-encoded / URI-escaped spelling (tickets contain ':', '+', '/', '=').
      const escaped = encodeURIComponent(secret);
      if (escaped !== secret) out = out.split(escaped).join(REDACTED);
    }
    return out;
  };
}
