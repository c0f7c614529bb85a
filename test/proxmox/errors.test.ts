import { describe, expect, it } from "vitest";
import { ProxmoxClient } from "../../src/proxmox/client";
import type { ProxmoxAuth } from "../../src/proxmox/config";
import { ProxmoxConfigError, ProxmoxError } from "../../src/proxmox/errors";
import { parseNodeName, parseStorageId, parseVmid, pvePath } from "../../src/proxmox/identifiers";
import { parsePermissionFailure } from "../../src/proxmox/response";
import { pveAuthFailure, pveData, pveError, RecordingFetcher, ticketAnswer } from "./fake-fetcher";
import {
  CSRF,
  caught,
  makeClient,
  PASSWORD,
  renderings,
  TICKET,
  TOKEN_SECRET,
  ticketAuth,
  tokenAuth,
} from "./helpers";

const node = parseNodeName("pve1");
const vmid = parseVmid(100);
const start = pvePath`/nodes/${node}/qemu/${vmid}/status/start`;

async function failWith(reply: Response | Error, auth?: ProxmoxAuth): Promise<ProxmoxError> {
  const fetcher = new RecordingFetcher(reply);
  const client = auth === undefined ? makeClient(fetcher) : makeClient(fetcher, { auth });
  const error = await caught(client.post(start));
  expect(error).toBeInstanceOf(ProxmoxError);
  return error as ProxmoxError;
}

describe("bad credentials (401)", () => {
  it("carries PVE's reason phrase and a token hint", async () => {
    const error = await failWith(pveAuthFailure("invalid token value!"));
    expect(error.kind).toBe("bad_credentials");
    expect(error.status).toBe(401);
    expect(error.method).toBe("POST");
    expect(error.path).toBe("/nodes/pve1/qemu/100/status/start");
    expect(error.message).toBe(
      "Proxmox rejected the credentials for POST /nodes/pve1/qemu/100/status/start (HTTP 401 invalid token value!).",
    );
    expect(error.hint).toMatch(/PROXMOX_TOKEN_ID .*mcp@pve!worker.* PROXMOX_TOKEN_SECRET/);
  });
});

describe("missing privilege (403)", () => {
  it("parses the path and privilege and explains privilege separation", async () => {
    const error = await failWith(pveError(403, "Permission check failed (/vms/100, VM.PowerMgmt)"));
    expect(error.kind).toBe("missing_privilege");
    expect(error.missingPrivilege).toEqual({ path: "/vms/100", privileges: ["VM.PowerMgmt"] });
    expect(error.message).toMatch(/Permission check failed \(\/vms\/100, VM\.PowerMgmt\)/);
    expect(error.hint).toMatch(/Grant mcp@pve!worker VM\.PowerMgmt on \/vms\/100/);
    expect(error.hint).toMatch(/pveum acl modify \/vms\/100 --roles .* --tokens mcp@pve!worker/);
    expect(error.hint).toMatch(/privilege separation \(privsep=1\)/);
    expect(error.hint).toMatch(/The my_permissions tool shows the effective rights/);
  });

  it("works from the status line alone and for ticket users", async () => {
    const fetcher = new RecordingFetcher(
      ticketAnswer(TICKET, CSRF),
      new Response(null, {
        status: 403,
        statusText:
          "Permission check failed (/storage/local, Datastore.Allocate|Datastore.AllocateSpace)",
      }),
    );
    const client = makeClient(fetcher, { auth: ticketAuth });
    const error = (await caught(client.post(start))) as ProxmoxError;
    expect(error.kind).toBe("missing_privilege");
    expect(error.missingPrivilege).toEqual({
      path: "/storage/local",
      privileges: ["Datastore.Allocate", "Datastore.AllocateSpace"],
    });
    expect(error.hint).toMatch(/Datastore\.Allocate or Datastore\.AllocateSpace/);
    expect(error.hint).toMatch(/--users root@pam/);
    expect(error.hint).not.toMatch(/privsep/);
  });

  it("parsePermissionFailure leaves other 403 texts alone", () => {
    expect(parsePermissionFailure("Permission check failed (user != root@pam)")).toBeUndefined();
    expect(parsePermissionFailure("Permission check failed")).toBeUndefined();
  });

  it("has specific hints for root-only and ticket-only endpoints", async () => {
    expect((await failWith(pveError(403, "Permission check failed (user != root@pam)"))).hint).toBe(
      "Only root@pam may call this endpoint.",
    );
    expect(
      (
        await failWith(
          pveError(403, "URI '/access/tfa' not available with API token, need proper ticket."),
        )
      ).hint,
    ).toMatch(/refuses API tokens/);
  });
});

describe("not found", () => {
  it("maps PVE's 500 'does not exist' to not_found", async () => {
    const error = await failWith(
      pveError(500, "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist"),
    );
    expect(error.kind).toBe("not_found");
    expect(error.status).toBe(500);
    expect(error.message).toMatch(/100\.conf' does not exist/);
    expect(error.hint).toMatch(/GET \/cluster\/resources/);
  });

  it("maps 'no such' and 404/501", async () => {
    expect((await failWith(pveError(500, "no such snapshot 'x'"))).kind).toBe("not_found");
    expect((await failWith(pveError(404, "Not Found"))).kind).toBe("not_found");
    const missingEndpoint = await failWith(
      pveError(501, "Method 'POST /nodes/pve1/qemu/100/status/start' not implemented"),
    );
    expect(missingEndpoint.kind).toBe("not_found");
    expect(missingEndpoint.hint).toMatch(/does not exist on this Proxmox VE version/);
  });
});

describe("nodes", () => {
  it("596 is a wrong node name, carrying the name so callers can suggest the right case", async () => {
    const fetcher = new RecordingFetcher(
      new Response(null, { status: 596, statusText: "Broken pipe" }),
    );
    const wrong = parseNodeName("PVE1");
    const error = (await caught(
      makeClient(fetcher).get(pvePath`/nodes/${wrong}/status`),
    )) as ProxmoxError;
    expect(error.kind).toBe("wrong_node");
    expect(error.node).toBe("PVE1");
    expect(error.message).toMatch(
      /could not route GET \/nodes\/PVE1\/status to node 'PVE1' \(HTTP 596 Broken pipe\)/,
    );
    expect(error.hint).toMatch(/case-sensitive/);
    expect(fetcher.calls).toHaveLength(1); // not a transient status: no retry
  });

  it("a 'hostname lookup failed' 500 is a wrong node too", async () => {
    const error = await failWith(
      pveError(
        500,
        "hostname lookup 'pve9' failed - failed to get address info for: pve9: Name or service not known",
      ),
    );
    expect(error.kind).toBe("wrong_node");
    expect(error.node).toBe("pve9");
  });

  it("595 is an unreachable node", async () => {
    const error = await failWith(
      new Response(null, { status: 595, statusText: "No route to host" }),
    );
    expect(error.kind).toBe("node_unreachable");
    expect(error.node).toBe("pve1");
    expect(error.message).toMatch(/Node 'pve1' could not be reached .*595 No route to host/);
    expect(error.hint).toMatch(/offline/);
  });
});

describe("parameter verification (400)", () => {
  it("lists PVE's per-field messages", async () => {
    const error = await failWith(
      pveError(400, "Parameter verification failed.", {
        timeout: "value must have a minimum value of 0",
        foo: "property is not defined in schema and the schema does not allow additional properties",
      }),
    );
    expect(error.kind).toBe("invalid_parameters");
    expect(error.fieldErrors).toEqual({
      timeout: "value must have a minimum value of 0",
      foo: "property is not defined in schema and the schema does not allow additional properties",
    });
    expect(error.message).toMatch(
      /Parameter verification failed\.\): timeout: value must have a minimum value of 0; foo: property/,
    );
  });
});

describe("upstream errors", () => {
  it("keeps PVE's message for other 5xx", async () => {
    const error = await failWith(pveError(500, "VM 100 not running"));
    expect(error.kind).toBe("upstream");
    expect(error.message).toBe(
      "Proxmox failed POST /nodes/pve1/qemu/100/status/start (HTTP 500 VM 100 not running).",
    );
  });

  it("has a lock hint", async () => {
    const error = await failWith(pveError(500, "VM is locked (backup)"));
    expect(error.kind).toBe("upstream");
    expect(error.hint).toMatch(/lock/);
  });

  it("an HTML 502 from the tunnel names the page and blames what is in front", async () => {
    const html =
      "<!DOCTYPE html><html><head><title>pve.example.com | 502: Bad gateway</title></head><body>Cloudflare</body></html>";
    const fetcher = new RecordingFetcher(
      new Response(html, { status: 502, headers: { "Content-Type": "text/html" } }),
    );
    const error = (await caught(makeClient(fetcher).get(pvePath`/version`))) as ProxmoxError;
    expect(error.kind).toBe("upstream");
    expect(error.message).toMatch(
      /Something in front of Proxmox answered GET \/version with HTTP 502 and "pve\.example\.com \| 502: Bad gateway"/,
    );
    expect(fetcher.calls).toHaveLength(2); // 502 is transient for a GET
  });

  it("an HTML 530 from Cloudflare points at the tunnel", async () => {
    const error = await failWith(
      new Response("<html><title>Error 1033</title></html>", {
        status: 530,
        headers: { "Content-Type": "text/html" },
      }),
    );
    expect(error.kind).toBe("upstream");
    expect(error.hint).toMatch(/cloudflared/);
  });
});

describe("answers that are not PVE's JSON", () => {
  it("an HTML login page says something else answered and shows its title", async () => {
    const page = `<html><head><title>Sign in ・ Cloudflare Access</title></head><body><form>${"x".repeat(5000)}</form></body></html>`;
    const error = await failWith(
      new Response(page, { status: 200, headers: { "Content-Type": "text/html" } }),
    );
    expect(error.kind).toBe("unexpected_response");
    expect(error.message).toMatch(
      /something in front of it answered HTTP 200 with "Sign in ・ Cloudflare Access"/,
    );
    expect(error.message.length).toBeLessThan(300);
    expect(error.hint).toMatch(/Cloudflare Access/);
  });

  it("a redirect is reported, not followed, and its query string is dropped", async () => {
    const fetcher = new RecordingFetcher(
      new Response(null, {
        status: 302,
        headers: {
          Location:
            "https://team.cloudflareaccess.com/cdn-cgi/access/login/pve?kid=abc&redirect_url=%2F",
        },
      }),
    );
    const error = (await caught(makeClient(fetcher).get(pvePath`/version`))) as ProxmoxError;
    expect(error.kind).toBe("unexpected_response");
    expect(error.message).toMatch(
      /HTTP 302 redirect to https:\/\/team\.cloudflareaccess\.com\/cdn-cgi\/access\/login\/pve\./,
    );
    expect(error.message).not.toMatch(/kid=/);
    expect(fetcher.calls).toHaveLength(1);
  });

  it("a 200 without the data envelope, or not JSON at all", async () => {
    expect((await failWith(new Response('{"result": 1}', { status: 200 }))).kind).toBe(
      "unexpected_response",
    );
    const plain = await failWith(new Response("hello from nginx", { status: 200 }));
    expect(plain.kind).toBe("unexpected_response");
    expect(plain.message).toMatch(/"hello from nginx"/);
  });
});

describe("network failures", () => {
  it("become network errors with a hint about the route and certificates", async () => {
    const error = await failWith(new TypeError("Network connection lost."));
    expect(error.kind).toBe("network");
    expect(error.message).toBe(
      "Could not reach Proxmox for POST /nodes/pve1/qemu/100/status/start: Network connection lost.",
    );
    expect(error.hint).toMatch(/certificate/);
  });
});

describe("secrets never appear in errors", () => {
  const accessSecret = "cf-access-secret-0123456789";

  it("not even when a proxy echoes them back", async () => {
    const echo = (request: Request) =>
      new Response(
        `<html><title>Denied ${request.headers.get("Authorization")} ${request.headers.get("CF-Access-Client-Secret")}</title></html>`,
        { status: 403, headers: { "Content-Type": "text/html" } },
      );
    const fetcher = new RecordingFetcher(echo);
    const client = makeClient(fetcher, {
      extraHeaders: { "CF-Access-Client-Secret": accessSecret },
    });
    const error = (await caught(client.get(pvePath`/version`))) as ProxmoxError;
    expect(error.kind).toBe("unexpected_response");
    expect(error.message).toMatch(/\[redacted\]/);
    for (const text of renderings(error)) {
      expect(text).not.toContain(TOKEN_SECRET);
      expect(text).not.toContain(accessSecret);
    }
  });

  it("nor in a reason phrase, a network error or field errors", async () => {
    const replies: Array<Response | Error> = [
      new Response(null, { status: 401, statusText: `bad token ${TOKEN_SECRET}` }),
      new TypeError(`connect failed with header PVEAPIToken=mcp@pve!worker=${TOKEN_SECRET}`),
      pveError(400, "Parameter verification failed.", { secret: `got ${TOKEN_SECRET}` }),
      pveError(500, `oops ${TOKEN_SECRET}`),
    ];
    for (const reply of replies) {
      const error = await failWith(reply);
      for (const text of [...renderings(error), JSON.stringify(error.fieldErrors ?? {})]) {
        expect(text).not.toContain(TOKEN_SECRET);
      }
    }
  });

  it("with tickets: password, ticket and CSRF token stay out", async () => {
    const fetcher = new RecordingFetcher(
      ticketAnswer(TICKET, CSRF),
      pveError(
        500,
        `internal error near ${TICKET} ${CSRF} ${encodeURIComponent(TICKET)} ${PASSWORD}`,
      ),
    );
    const client = makeClient(fetcher, { auth: ticketAuth });
    const error = (await caught(client.post(start))) as ProxmoxError;
    expect(error.kind).toBe("upstream");
    for (const text of renderings(error)) {
      expect(text).not.toContain(TICKET);
      expect(text).not.toContain(encodeURIComponent(TICKET));
      expect(text).not.toContain(CSRF);
      expect(text).not.toContain(PASSWORD);
    }
  });

  it("the client object itself does not serialize credentials", () => {
    const client = makeClient(new RecordingFetcher(pveData(null)));
    expect(JSON.stringify(client)).not.toContain(TOKEN_SECRET);
    expect(String(client)).not.toContain(TOKEN_SECRET);
  });
});

describe("error shape", () => {
  it("serializes to a plain, useful object", async () => {
    const error = await failWith(pveError(403, "Permission check failed (/vms/100, VM.PowerMgmt)"));
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    expect(json).toMatchObject({
      name: "ProxmoxError",
      kind: "missing_privilege",
      status: 403,
      method: "POST",
      path: "/nodes/pve1/qemu/100/status/start",
      missingPrivilege: { path: "/vms/100", privileges: ["VM.PowerMgmt"] },
    });
    expect(String(error)).toMatch(/^ProxmoxError: Permission denied/);
  });

  it("a malformed base URL fails at construction as a config error", () => {
    for (const baseUrl of ["not a url", "ftp://pve.example.com"]) {
      expect(
        () =>
          new ProxmoxClient({
            config: { baseUrl, auth: tokenAuth },
            fetcher: new RecordingFetcher(pveData(null)),
          }),
      ).toThrow(ProxmoxConfigError);
    }
  });

  it("storage ids work in paths", () => {
    const storage = parseStorageId("local-lvm");
    expect(pvePath`/nodes/${node}/storage/${storage}/status`).toBe(
      "/nodes/pve1/storage/local-lvm/status",
    );
  });
});
