/**
 * How long dynamically registered OAuth clients are kept.
 *
 * Anyone may register a client, and each registration is a KV record, so a
 * registration nobody signs in with must not stay for the provider's default
 * 90 days. The provider's `clientRegistrationTTL` gives every registration
 * a short life (UNUSED_CLIENT_TTL_S); once a person has approved the client
 * and it holds a grant, `keepAuthorizedClient` extends the record to outlive
 * that grant (the provider's refresh tokens last 30 days from sign-in; the
 * provider renews registrations that are used near the end of their life).
 */

/** A registration nobody signed in with: enough to finish a sign-in started today. */
export const UNUSED_CLIENT_TTL_S = 86_400;

/** The provider's refresh token lifetime (its default), which bounds a grant's life. */
export const GRANT_LIFETIME_S = 30 * 86_400;

/** An approved client: its grant's lifetime plus a day, so the grant never outlives its client. */
export const AUTHORIZED_CLIENT_TTL_S = GRANT_LIFETIME_S + 86_400;

/**
 * Extends a registration once a person authorized it. The record keeps the
 * provider's layout (`client:<id>`, `registrationExpiresAt` in seconds); only
 * records the provider wrote with an expiry are touched, never clients made
 * with `createClient()` or metadata-document clients, which are not stored.
 * One write per sign-in at most, skipped when the record was extended today.
 */
export async function keepAuthorizedClient(
  kv: KVNamespace,
  clientId: string,
  now = Math.floor(Date.now() / 1000),
): Promise<void> {
  try {
    await extend(kv, `client:${clientId}`, now);
  } catch (error) {
    // The grant is stored already: a failed write (KV over its daily quota, say) must not
    // fail the sign-in. The client then lives its short life, and its next sign-in retries.
    console.log(JSON.stringify({ event: "client_extend_failed", clientId, error: String(error) }));
  }
}

async function extend(kv: KVNamespace, key: string, now: number): Promise<void> {
  const record = await kv.get<Record<string, unknown>>(key, "json");
  const expiresAt = record?.registrationExpiresAt;
  if (!record || typeof expiresAt !== "number") return;
  if (expiresAt - now > AUTHORIZED_CLIENT_TTL_S - 86_400) return;
  await kv.put(
    key,
    JSON.stringify({ ...record, registrationExpiresAt: now + AUTHORIZED_CLIENT_TTL_S }),
    {
      expirationTtl: AUTHORIZED_CLIENT_TTL_S,
    },
  );
}
