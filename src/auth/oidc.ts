import {
  base64url,
  createRemoteJWKSet,
  customFetch,
  errors,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { isLoopbackHostname } from "../loopback";
import type { OidcSettings } from "./sign-in-config";

/**
 * A relying party for one OpenID Connect provider: discovery, the
 * authorization redirect (code + PKCE S256 + state + nonce), the code
 * exchange and id_token verification. Everything goes through `fetch`.
 */

/** Why sign-in at the provider did not produce a trustworthy identity. */
export type OidcFailure =
  /** The provider could not be reached or answered nonsense: try again later. */
  | "unavailable"
  /** The provider refused the code (expired, used twice, wrong client secret). */
  | "exchange"
  /** The id_token failed verification: never trust it. */
  | "invalid_token";

export class OidcError extends Error {
  override name = "OidcError";
  constructor(
    readonly failure: OidcFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  id_token_signing_alg_values_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
}

const TIMEOUT_MS = 10_000;
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const CLOCK_TOLERANCE_S = 60;
/** Asymmetric algorithms only: a shared-secret (HS*) or unsigned token proves nothing here. */
const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

/** Looked up through the global at call time, so a test can stand in for the provider. */
const send = (input: string, init?: RequestInit): Promise<Response> => fetch(input, init);

// Per isolate: sign-in is rare, but each callback would otherwise cost two extra round trips.
const discovered = new Map<string, { metadata: ProviderMetadata; at: number }>();
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function isEndpoint(value: unknown): value is string {
  if (typeof value !== "string" || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHostname(url.hostname))
  );
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
}

/** `<issuer>/.well-known/openid-configuration`, checked and cached. */
export async function discover(settings: OidcSettings): Promise<ProviderMetadata> {
  const cached = discovered.get(settings.issuer);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.metadata;
  const url = `${settings.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const response = await send(url, {
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    throw new OidcError(
      "unavailable",
      `The identity provider's discovery document ${url} could not be read (${reason(error)}).`,
    );
  }
  const doc = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (doc.issuer !== settings.issuer) {
    throw new OidcError(
      "unavailable",
      `The discovery document names the issuer "${String(doc.issuer)}", but OIDC_ISSUER is "${settings.issuer}". Set OIDC_ISSUER to exactly the issuer the provider publishes.`,
    );
  }
  const { authorization_endpoint, token_endpoint, jwks_uri } = doc;
  if (!isEndpoint(authorization_endpoint) || !isEndpoint(token_endpoint) || !isEndpoint(jwks_uri)) {
    throw new OidcError(
      "unavailable",
      `The discovery document ${url} lacks an https authorization_endpoint, token_endpoint or jwks_uri.`,
    );
  }
  const metadata: ProviderMetadata = {
    issuer: settings.issuer,
    authorization_endpoint,
    token_endpoint,
    jwks_uri,
  };
  const algorithms = stringList(doc.id_token_signing_alg_values_supported);
  if (algorithms) metadata.id_token_signing_alg_values_supported = algorithms;
  const authMethods = stringList(doc.token_endpoint_auth_methods_supported);
  if (authMethods) metadata.token_endpoint_auth_methods_supported = authMethods;
  discovered.set(settings.issuer, { metadata, at: Date.now() });
  return metadata;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A fresh random value for PKCE verifiers and nonces (base64url, `bytes` of entropy). */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url.encode(new Uint8Array(digest));
}

export interface AuthorizationParams {
  state: string;
  nonce: string;
  verifier: string;
}

/** Where to send the browser to sign in at the provider. */
export async function authorizationUrl(
  settings: OidcSettings,
  metadata: ProviderMetadata,
  { state, nonce, verifier }: AuthorizationParams,
): Promise<string> {
  const url = new URL(metadata.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", settings.clientId);
  url.searchParams.set("redirect_uri", settings.redirectUri);
  url.searchParams.set("scope", settings.scopes.join(" "));
  url.searchParams.set("state", state);
  url.searchParams.set("nonce", nonce);
  url.searchParams.set("code_challenge", await pkceChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic encoding. */
function basicAuth(clientId: string, clientSecret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${btoa(`${encode(clientId)}:${encode(clientSecret)}`)}`;
}

/** Exchanges the provider's code for its id_token (the access token is not needed). */
export async function exchangeCode(
  settings: OidcSettings,
  metadata: ProviderMetadata,
  code: string,
  verifier: string,
): Promise<string> {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: settings.redirectUri,
    code_verifier: verifier,
  });
  const headers: Record<string, string> = {
    "Content-Type": "application/x-www-form-urlencoded",
    Accept: "application/json",
  };
  // client_secret_basic is the default (OIDC Core §9); post only when that is all it offers.
  const methods = metadata.token_endpoint_auth_methods_supported;
  if (
    methods &&
    !methods.includes("client_secret_basic") &&
    methods.includes("client_secret_post")
  ) {
    form.set("client_id", settings.clientId);
    form.set("client_secret", settings.clientSecret);
  } else {
    headers.Authorization = basicAuth(settings.clientId, settings.clientSecret);
  }
  let response: Response;
  let body: unknown;
  try {
    response = await send(metadata.token_endpoint, {
      method: "POST",
      headers,
      body: form,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    body = await response.json().catch(() => undefined);
  } catch (error) {
    throw new OidcError(
      "unavailable",
      `The identity provider's token endpoint could not be reached (${reason(error)}).`,
    );
  }
  const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (!response.ok) {
    const detail = [fields.error, fields.error_description]
      .filter((part) => typeof part === "string")
      .join(": ");
    const failure = response.status >= 500 ? "unavailable" : "exchange";
    throw new OidcError(
      failure,
      `The identity provider refused to exchange the sign-in code (HTTP ${response.status}${detail ? `, ${detail}` : ""}).`,
    );
  }
  if (typeof fields.id_token !== "string") {
    throw new OidcError(
      "exchange",
      "The identity provider answered without an id_token. Make sure the application uses OpenID Connect and the `openid` scope.",
    );
  }
  return fields.id_token;
}

function keySet(metadata: ProviderMetadata): ReturnType<typeof createRemoteJWKSet> {
  let set = keySets.get(metadata.jwks_uri);
  if (!set) {
    set = createRemoteJWKSet(new URL(metadata.jwks_uri), {
      timeoutDuration: TIMEOUT_MS,
      [customFetch]: send,
    });
    keySets.set(metadata.jwks_uri, set);
  }
  return set;
}

/** What a verified id_token says about the user. */
export interface VerifiedIdentity {
  subject: string;
  /** Absent when the provider gave none or marked it unverified. */
  email: string | undefined;
  /** An address the provider explicitly marked unverified, for the refusal page only. */
  unverifiedEmail: string | undefined;
  name: string;
}

/**
 * Verifies an id_token: signature against the provider's published keys,
 * `iss`, `aud` (and `azp` when there are several audiences), `exp`, and the
 * nonce this sign-in sent.
 */
export async function verifyIdToken(
  settings: OidcSettings,
  metadata: ProviderMetadata,
  idToken: string,
  nonce: string,
): Promise<VerifiedIdentity> {
  const offered = metadata.id_token_signing_alg_values_supported;
  const algorithms = offered
    ? ASYMMETRIC_ALGORITHMS.filter((alg) => offered.includes(alg))
    : ASYMMETRIC_ALGORITHMS;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keySet(metadata), {
      issuer: settings.issuer,
      audience: settings.clientId,
      algorithms,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["sub", "exp", "iat"],
    }));
  } catch (error) {
    throw verificationError(error, settings);
  }
  if (payload.nonce !== nonce) {
    throw new OidcError(
      "invalid_token",
      "The sign-in token does not belong to this sign-in (its nonce does not match).",
    );
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== settings.clientId) {
    throw new OidcError(
      "invalid_token",
      "The sign-in token was issued to another application (azp).",
    );
  }
  const subject = String(payload.sub);
  const claimedEmail = typeof payload.email === "string" ? payload.email.trim() : "";
  // Only a provider's explicit word makes an email trustworthy for the allow-list,
  // unless the deployment says this provider verifies every email it sends.
  const verified =
    payload.email_verified === true ||
    payload.email_verified === "true" ||
    (settings.trustEmail && payload.email_verified !== false && payload.email_verified !== "false");
  const unverified = !verified;
  const email = claimedEmail && !unverified ? claimedEmail : undefined;
  const name =
    [payload.name, payload.preferred_username, email].find(
      (value): value is string => typeof value === "string" && value.trim().length > 0,
    ) ?? subject;
  return {
    subject,
    email,
    unverifiedEmail: claimedEmail && unverified ? claimedEmail : undefined,
    name: name.trim().slice(0, 200),
  };
}

function verificationError(error: unknown, settings: OidcSettings): OidcError {
  const invalid = (message: string) => new OidcError("invalid_token", message);
  if (error instanceof errors.JWTExpired) return invalid("The sign-in token has expired.");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") {
      return invalid(
        `The sign-in token was issued by someone other than ${settings.issuer} (iss).`,
      );
    }
    if (error.claim === "aud") {
      return invalid("The sign-in token was issued for another application (aud).");
    }
    return invalid(
      `The sign-in token's "${error.claim}" claim is not acceptable (${error.reason}).`,
    );
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return invalid("The sign-in token's signature does not match the identity provider's keys.");
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return invalid("The sign-in token is signed with an algorithm this server does not accept.");
  }
  // jose reports a JWKS answer other than 200 as a generic error: an outage, not a bad token.
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    (error instanceof errors.JOSEError && error.code === "ERR_JOSE_GENERIC")
  ) {
    return new OidcError("unavailable", "The identity provider's signing keys could not be read.");
  }
  if (error instanceof errors.JOSEError) {
    return invalid(`The sign-in token could not be verified (${error.code}).`);
  }
  return new OidcError(
    "unavailable",
    `The identity provider's signing keys could not be read (${reason(error)}).`,
  );
}
