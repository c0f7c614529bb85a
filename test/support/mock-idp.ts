import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";

/** Who signs in at the mock provider. */
export interface IdpUser {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** Ways the provider's id_token can go wrong, for the tests that must refuse it. */
export interface Tamper {
  /** Claims to override or add (`undefined` removes one). */
  claims?: Record<string, unknown>;
  /** Sign with a key the provider never published, under the published key's `kid`. */
  forge?: boolean;
}

interface PendingCode {
  user: IdpUser;
  nonce: string;
  challenge: string;
  redirectUri: string;
  tamper: Tamper;
}

const KID = "mock-key-1";

function base64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/**
 * An OpenID Connect provider shaped like Cloudflare Access for SaaS: a
 * discovery document, a JWKS with a key generated here, and a token endpoint
 * that checks the client secret (Basic), the redirect URI and the PKCE
 * verifier before it returns an id_token. Install `fetch` in place of the
 * global one; anything it does not serve is refused, so nothing leaves the test.
 */
export class MockIdp {
  readonly clientId = "mcp-proxmox-client";
  /** Characters that need form-encoding inside Basic auth (RFC 6749 §2.3.1). */
  readonly clientSecret = "s3cret:with spaces&symbols";
  readonly issuer: string;
  /** Every URL the Worker fetched from the provider. */
  readonly requests: string[] = [];
  private readonly codes = new Map<string, PendingCode>();

  private constructor(
    private readonly key: CryptoKey,
    private readonly publicJwk: Record<string, unknown>,
    private readonly forgedKey: CryptoKey,
    kind: "access" | "generic",
  ) {
    // A fresh issuer per provider, so nothing cached for one test serves another.
    const id = crypto.randomUUID();
    this.issuer =
      kind === "access"
        ? `https://pve-team.cloudflareaccess.com/cdn-cgi/access/sso/oidc/${id}`
        : `https://idp.example.com/realms/${id}`;
  }

  /** A provider shaped like Cloudflare Access for SaaS, or a generic OIDC issuer. */
  static async create(kind: "access" | "generic" = "access"): Promise<MockIdp> {
    const real = await generateKeyPair("RS256", { extractable: true });
    const forged = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(real.publicKey)), kid: KID, alg: "RS256", use: "sig" };
    return new MockIdp(real.privateKey, jwk, forged.privateKey, kind);
  }

  get authorizationEndpoint(): string {
    return `${this.issuer}/authorization`;
  }

  fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    this.requests.push(`${request.method} ${request.url}`);
    switch (request.url) {
      case `${this.issuer}/.well-known/openid-configuration`:
        return Response.json({
          issuer: this.issuer,
          authorization_endpoint: this.authorizationEndpoint,
          token_endpoint: `${this.issuer}/token`,
          jwks_uri: `${this.issuer}/jwks`,
          response_types_supported: ["code"],
          id_token_signing_alg_values_supported: ["RS256"],
          token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
          code_challenge_methods_supported: ["S256"],
        });
      case `${this.issuer}/jwks`:
        return Response.json({ keys: [this.publicJwk] });
      case `${this.issuer}/token`:
        return this.token(request);
      default:
        throw new Error(`unexpected network request in a test: ${request.method} ${request.url}`);
    }
  };

  /**
   * Plays the user at the provider: checks the authorization request the
   * Worker sent, signs `user` in and returns the callback URL the browser
   * is sent back to.
   */
  authorize(location: string, user: IdpUser, tamper: Tamper = {}): URL {
    const url = new URL(location);
    const params = url.searchParams;
    if (`${url.origin}${url.pathname}` !== this.authorizationEndpoint) {
      throw new Error(`not sent to the provider: ${location}`);
    }
    const expect = (name: string, value?: string) => {
      const actual = params.get(name);
      if (actual === null || (value !== undefined && actual !== value)) {
        throw new Error(`authorization request: ${name}=${actual}`);
      }
      return actual;
    };
    expect("response_type", "code");
    expect("client_id", this.clientId);
    expect("code_challenge_method", "S256");
    if (!expect("scope").split(" ").includes("openid")) throw new Error("no openid scope");
    const code = crypto.randomUUID();
    this.codes.set(code, {
      user,
      nonce: expect("nonce"),
      challenge: expect("code_challenge"),
      redirectUri: expect("redirect_uri"),
      tamper,
    });
    const callback = new URL(expect("redirect_uri"));
    callback.searchParams.set("code", code);
    callback.searchParams.set("state", expect("state"));
    return callback;
  }

  /** The provider sends the user back with an error instead (they declined there). */
  decline(location: string): URL {
    const url = new URL(location);
    const callback = new URL(url.searchParams.get("redirect_uri") ?? "");
    callback.searchParams.set("error", "access_denied");
    callback.searchParams.set("state", url.searchParams.get("state") ?? "");
    return callback;
  }

  private async token(request: Request): Promise<Response> {
    const refuse = (error: string, status = 400) => Response.json({ error }, { status });
    if (request.method !== "POST") return refuse("invalid_request", 405);
    const expected = `Basic ${btoa(`${encodeURIComponent(this.clientId)}:${encodeURIComponent(this.clientSecret).replace(/%20/g, "+")}`)}`;
    if (request.headers.get("Authorization") !== expected) return refuse("invalid_client", 401);
    const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
    const pending = this.codes.get(form.get("code") ?? "");
    if (form.get("grant_type") !== "authorization_code" || !pending) return refuse("invalid_grant");
    this.codes.delete(form.get("code") ?? "");
    if (form.get("redirect_uri") !== pending.redirectUri) return refuse("invalid_grant");
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(form.get("code_verifier") ?? ""),
    );
    if (base64url(digest) !== pending.challenge) return refuse("invalid_grant");
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = {
      iss: this.issuer,
      aud: this.clientId,
      sub: pending.user.sub,
      iat: now,
      exp: now + 300,
      nonce: pending.nonce,
      ...(pending.user.email !== undefined ? { email: pending.user.email } : {}),
      ...(pending.user.email_verified !== undefined
        ? { email_verified: pending.user.email_verified }
        : {}),
      ...(pending.user.name !== undefined ? { name: pending.user.name } : {}),
      ...pending.tamper.claims,
    };
    const idToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: KID, typ: "JWT" })
      .sign(pending.tamper.forge ? this.forgedKey : this.key);
    return Response.json({
      access_token: crypto.randomUUID(),
      token_type: "Bearer",
      expires_in: 300,
      id_token: idToken,
    });
  }
}
