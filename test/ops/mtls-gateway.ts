import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  GATEWAY_HOST,
  GATEWAY_TOKEN_ID,
  GATEWAY_TOKEN_SECRET,
  type MtlsGatewayContext,
  type PemKeypair,
} from "./mtls-context";

const run = promisify(execFile);
const CERT_SCRIPT = fileURLToPath(new URL("../../cloudflared/make-mtls-certs.sh", import.meta.url));

/**
 * A stand-in for the mTLS gateway in front of pveproxy, for the test suite:
 * a Node HTTPS server on loopback that completes the TLS handshake only for a
 * client certificate signed by its private CA, then answers `GET /version`
 * like PVE. Runs in vitest's globalSetup (Node), never in workerd.
 */
export interface RunningGateway {
  context: MtlsGatewayContext;
  stop(): Promise<void>;
}

/** Certificates from the project's own script, so the suite exercises what users run. */
async function makeCertificates(out: string, gatewayHost: string): Promise<void> {
  await run("bash", [
    CERT_SCRIPT,
    "--gateway-host",
    gatewayHost,
    "--san",
    "IP:127.0.0.1",
    "--out",
    out,
    "--days",
    "2",
    "--quiet",
  ]);
}

async function keypair(dir: string, name: string): Promise<PemKeypair> {
  return {
    certificateChain: await readFile(join(dir, `${name}.pem`), "utf8"),
    privateKey: await readFile(join(dir, `${name}.key`), "utf8"),
  };
}

function answer(request: IncomingMessage, response: ServerResponse): void {
  const peer = (request.socket as TLSSocket).getPeerCertificate();
  const subject = typeof peer.subject?.CN === "string" ? peer.subject.CN : "";
  response.setHeader("X-Client-Certificate", subject);
  // One request per connection, closed cleanly: nothing is left open at teardown.
  response.setHeader("Connection", "close");
  const authorized =
    request.headers.authorization === `PVEAPIToken=${GATEWAY_TOKEN_ID}=${GATEWAY_TOKEN_SECRET}`;
  if (!authorized) {
    // PVE: reason in the status line, empty body.
    response.writeHead(401, "authentication failure").end();
    return;
  }
  if (request.method === "GET" && request.url === "/api2/json/version") {
    response
      .writeHead(200, { "Content-Type": "application/json;charset=UTF-8" })
      .end(JSON.stringify({ data: { version: "9.1", release: "9.1", repoid: "0123abcd" } }));
    return;
  }
  response.writeHead(501, "Method not implemented").end();
}

export async function startMtlsGateway(): Promise<RunningGateway> {
  const dir = await mkdtemp(join(tmpdir(), "pve-mtls-"));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    await makeCertificates(join(dir, "right"), GATEWAY_HOST);
    await makeCertificates(join(dir, "other"), GATEWAY_HOST);
    const ca = await readFile(join(dir, "right", "ca.pem"), "utf8");
    const server = await keypair(join(dir, "right"), "server");
    const client = await keypair(join(dir, "right"), "client");
    const otherClient = await keypair(join(dir, "other"), "client");
    await removeDir();

    const gateway = createServer(
      {
        key: server.privateKey,
        cert: server.certificateChain,
        ca: [ca],
        // The point of the gateway: no certificate from our CA, no handshake.
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: "TLSv1.2",
      },
      answer,
    );
    await new Promise<void>((resolve, reject) => {
      gateway.once("error", reject);
      gateway.listen(0, "127.0.0.1", () => resolve());
    });
    // Never keeps the test process alive, even if teardown does not run.
    gateway.unref();
    const { port } = gateway.address() as AddressInfo;
    return {
      context: {
        ok: true,
        address: `127.0.0.1:${port}`,
        host: GATEWAY_HOST,
        ca,
        client,
        otherClient,
      },
      stop: () =>
        new Promise<void>((resolve) => {
          gateway.closeAllConnections();
          gateway.close(() => resolve());
        }),
    };
  } catch (error) {
    await removeDir();
    const reason = error instanceof Error ? error.message : String(error);
    return {
      context: {
        ok: false,
        error: `The local mTLS gateway could not start (cloudflared/make-mtls-certs.sh needs bash and openssl): ${reason}`,
      },
      stop: async () => {},
    };
  }
}
