import { AuthorizationError, type AuthRequest } from "@cloudflare/workers-oauth-provider";

export const PKCE_REQUIRED =
  "This server requires PKCE: send code_challenge with code_challenge_method=S256.";

/**
 * OAuth 2.1 requires PKCE of every client, and the provider only insists on it
 * for public ones: a confidential client without it would get a code that
 * anyone who intercepts it can redeem with the client's secret. Refused before
 * anything is stored, with the error sent back to the client's (validated)
 * redirect URI.
 */
export function requirePkce(authRequest: AuthRequest): AuthRequest {
  if (authRequest.codeChallenge && authRequest.codeChallengeMethod === "S256") return authRequest;
  throw new AuthorizationError("invalid_request", {
    description: PKCE_REQUIRED,
    redirectUri: authRequest.redirectUri,
    ...(authRequest.state ? { state: authRequest.state } : {}),
    ...(authRequest.issuer ? { issuer: authRequest.issuer } : {}),
  });
}
