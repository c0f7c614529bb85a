/**
 * Loopback hostnames: where plain http is acceptable (local development) and
 * where the dev sign-in may exist. One list, so the two rules never drift apart.
 */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}
