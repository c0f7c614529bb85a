import { errorPage } from "./html";

/**
 * What anonymous visitors see of a server-side problem: that there is one, and
 * a reference to quote. The details (which variable is missing, what Proxmox
 * answered) go into one log line with the same reference, where the operator
 * finds them with `wrangler tail` (or the dashboard's logs), so strangers
 * learn nothing about the configuration.
 */
export function newReference(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function logWithReference(reference: string, line: Record<string, unknown>): void {
  console.log(JSON.stringify({ ...line, ref: reference }));
}

/** The page for a configuration problem; the message itself goes to the log only. */
export function configErrorPage(reference: string, status = 500): Response {
  return errorPage(
    "Sign-in is not available right now",
    `The server's sign-in is not configured correctly. Ask its operator to check the logs for reference ${reference}.`,
    status,
  );
}
