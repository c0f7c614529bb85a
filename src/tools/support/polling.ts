/**
 * The pause before the next poll, by time waited so far: every second at first so quick tasks
 * answer fast, then backing off to 5 s so the longest wait (120 s) takes about 35 polls, within
 * the per-call request budget. Used for Proxmox tasks and guest-agent commands alike.
 */
export function pollInterval(elapsedMs: number): number {
  if (elapsedMs < 5_000) return 1_000;
  if (elapsedMs < 15_000) return 2_000;
  if (elapsedMs < 30_000) return 3_000;
  return 5_000;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
