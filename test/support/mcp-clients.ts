import {
  Client as ClientV2,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthDiscoveryState,
  type OAuthTokens,
  StreamableHTTPClientTransport as TransportV2,
  UnauthorizedError as UnauthorizedV2,
} from "@modelcontextprotocol/client";
import { UnauthorizedError as UnauthorizedV1 } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Role } from "../../src/auth/scopes";
import { approveInBrowser, REDIRECT_URI } from "./oauth-flow";
import { MCP_URL, workerFetch } from "./worker-fetch";

/**
 * An OAuth client the way MCP clients implement one (claude.ai, Inspector,
 * mcp-remote): it registers itself, sends the user to the authorization URL
 * and keeps what the server returns. Both SDK generations accept this shape.
 */
export class InteractiveAuth {
  authorizationUrl: URL | undefined;
  private info: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = "";
  private discovery: OAuthDiscoveryState | undefined;

  constructor(private readonly scope?: string) {}

  get redirectUrl(): string {
    return REDIRECT_URI;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Test MCP client",
      redirect_uris: [REDIRECT_URI],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      ...(this.scope ? { scope: this.scope } : {}),
    };
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.info = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    return this.verifier;
  }
  // Binds the callback to the authorization server the flow started with (SDK v2 checks it).
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }
}

const fetchIntoWorker = (url: string | URL, init?: RequestInit) =>
  workerFetch(url.toString(), init);

/** A 2025-era client (SDK v1, protocol 2025-11-25): claude.ai, Inspector and mcp-remote speak this. */
export async function connectV1(role: Role, scope?: string, url = MCP_URL) {
  const auth = new InteractiveAuth(scope);
  const transport = () =>
    new TransportV1(new URL(url), { authProvider: auth, fetch: fetchIntoWorker });
  const first = transport();
  await expectUnauthorized(
    new ClientV1({ name: "test-v1", version: "1.0.0" }).connect(first),
    UnauthorizedV1,
  );
  if (!auth.authorizationUrl) throw new Error("client was not sent to authorize");
  const { code } = await approveInBrowser(auth.authorizationUrl, role);
  await first.finishAuth(code);
  const client = new ClientV1({ name: "test-v1", version: "1.0.0" });
  await client.connect(transport());
  return { client, auth };
}

/** A 2026-07-28 client (SDK v2, stateless per request). */
export async function connectV2(role: Role, scope?: string, url = MCP_URL) {
  const auth = new InteractiveAuth(scope);
  const transport = () =>
    new TransportV2(new URL(url), { authProvider: auth, fetch: fetchIntoWorker });
  const first = transport();
  await expectUnauthorized(
    new ClientV2({ name: "test-v2", version: "2.0.0" }).connect(first),
    UnauthorizedV2,
  );
  if (!auth.authorizationUrl) throw new Error("client was not sent to authorize");
  // As a real client does: hand the whole callback query over, so `iss` is checked (RFC 9207).
  const { location } = await approveInBrowser(auth.authorizationUrl, role);
  await first.finishAuth(location.searchParams);
  const client = new ClientV2({ name: "test-v2", version: "2.0.0" });
  await client.connect(transport());
  return { client, auth };
}

async function expectUnauthorized(
  attempt: Promise<void>,
  kind: abstract new (...args: never[]) => Error,
) {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof kind) return;
    throw error;
  }
  throw new Error("expected the first connection to require sign-in");
}
