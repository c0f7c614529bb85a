/**
 * Ticket bookkeeping for user/password authentication.
 *
 * PVE tickets live 2 hours. A valid ticket can be exchanged for a fresh one by posting it as the
 * password to `/access/ticket` (this is how the web UI stays logged in, and it skips two-factor
 * prompts), so the client renews after 90 minutes and only falls back to the password when the
 * ticket is too old or was rejected.
 *
 * Only plain ticket data is shared between client instances, never a pending login promise:
 * in Workers a promise settled by I/O of one request must not be awaited by another request.
 */

export interface Ticket {
  /** The `PVEAuthCookie` value. */
  ticket: string;
  /** Must accompany every write made with this ticket. */
  csrfToken: string;
  /** The user id PVE issued the ticket to, e.g. `root@pam`. */
  username: string;
  /** Clock time (ms) at which the ticket was obtained. */
  issuedAt: number;
}

export const TICKET_LIFETIME_MS = 2 * 60 * 60 * 1000;
/** Renew well inside the lifetime so a slow request never carries an expired ticket. */
export const TICKET_RENEW_AFTER_MS = 90 * 60 * 1000;
/** Past this age the ticket is not used, not even to renew it (clocks drift; PVE allows 2 h). */
export const TICKET_USABLE_FOR_MS = TICKET_LIFETIME_MS - 5 * 60 * 1000;

export type TicketFreshness = "fresh" | "renew" | "expired";

export function ticketFreshness(ticket: Ticket, now: number): TicketFreshness {
  const age = now - ticket.issuedAt;
  if (age >= TICKET_USABLE_FOR_MS) return "expired";
  if (age >= TICKET_RENEW_AFTER_MS) return "renew";
  return "fresh";
}

/** Tickets by API root and user. */
export class TicketCache {
  readonly #entries = new Map<string, Ticket>();

  static key(apiRoot: string, username: string): string {
    return `${apiRoot}\u0000${username}`;
  }

  get(key: string): Ticket | undefined {
    return this.#entries.get(key);
  }

  set(key: string, ticket: Ticket): void {
    this.#entries.set(key, ticket);
  }

  /** Forgets `ticket` unless another client has already replaced it with a newer one. */
  discard(key: string, ticket: Ticket): void {
    if (this.#entries.get(key)?.ticket === ticket.ticket) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** Shared by all clients of this isolate, so each request does not log in again. */
export const sharedTicketCache = new TicketCache();

/**
 * PVE expects the second factor as `<type>:<value>` (`totp:123456`, `recovery:...`).
 * A bare code is taken to be TOTP.
 */
export function tfaResponse(otp: string): string {
  return /^[a-z]+:/.test(otp) ? otp : `totp:${otp}`;
}
