/**
 * What vitest's globalSetup hands the Worker tests about the local mTLS
 * gateway (test/ops/mtls-gateway.ts). Types and constants only: this module is
 * read both by Node (setup, vitest.config.ts) and inside workerd (the tests).
 */

/** The name on the gateway's server certificate; the Worker asks for it as TLS server name. */
export const GATEWAY_HOST = "pve-gateway.localhost";

/** The API token the gateway's fake pveproxy accepts (a test value, guards nothing). */
export const GATEWAY_TOKEN_ID = "mcp@pve!gateway";
export const GATEWAY_TOKEN_SECRET = "6d0f3a52-9c4e-4b1d-8f27-3e5a9c1b7d40";

export interface PemKeypair {
  certificateChain: string;
  privateKey: string;
}

export type MtlsGatewayContext =
  | {
      ok: true;
      /** `127.0.0.1:<port>`: loopback, a port chosen by the system. */
      address: string;
      /** GATEWAY_HOST: the TLS server name to ask for. */
      host: string;
      /** The private CA that signed the gateway's server certificate and the right client. */
      ca: string;
      /** Signed by `ca`: the gateway lets it in. */
      client: PemKeypair;
      /** Signed by another private CA: the gateway must refuse it. */
      otherClient: PemKeypair;
    }
  | { ok: false; error: string };

declare module "vitest" {
  export interface ProvidedContext {
    mtlsGateway: MtlsGatewayContext;
  }
}
