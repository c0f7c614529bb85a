import { describe, expect, it } from "vitest";
import { parseNodeName, parseVmid, pvePath } from "../../src/proxmox/identifiers";
import {
  isSecretName,
  REDACTED,
  redactArguments,
  scrubSecretValues,
} from "../../src/session/redact";
import { pveError, RecordingFetcher } from "../proxmox/fake-fetcher";
import { makeClient, renderings } from "../proxmox/helpers";

describe("secret-looking names", () => {
  it.each([
    "password",
    "Password",
    "PASSWORD",
    "cipassword",
    "CI_PASSWORD",
    "passphrase",
    "client_secret",
    "clientSecret",
    "api-key",
    "apiKey",
    "sshkeys",
    "Authorization",
    "private_key",
    "otp",
    "refreshToken",
  ])("%s is secret", (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each(["vmid", "node", "name", "description", "memory", "storage"])("%s is not", (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe("redactArguments", () => {
  it("redacts at any depth, in any case, in arrays and in name/value pairs", () => {
    const out = JSON.stringify(
      redactArguments({
        vmid: 100,
        Password: "hunter2-top",
        config: { cloudinit: { CI_PASSWORD: "deep-secret-1" } },
        list: [{ apiKey: "deep-secret-2" }],
        env: [
          { name: "DB_PASSWORD", value: "deep-secret-3" },
          { name: "TZ", value: "Europe/Berlin" },
        ],
        options: [{ key: "sshkeys", value: "ssh-ed25519 AAAA" }],
      }),
    );
    for (const secret of [
      "hunter2-top",
      "deep-secret-1",
      "deep-secret-2",
      "deep-secret-3",
      "AAAA",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("Europe/Berlin");
    expect(out).toContain('"vmid":100');
    expect(out).toContain(REDACTED);
  });
});

describe("scrubSecretValues", () => {
  it("removes the values of secret-named arguments from a text, plain and URL-encoded", () => {
    const args = { vmid: 100, cipassword: "p@ss word!", nested: { token: "abc/def+ghi" } };
    const text =
      "cipassword: value 'p@ss word!' is invalid; sent p%40ss%20word! and p%40ss+word%21, token abc%2Fdef%2Bghi; vmid 100";
    const out = scrubSecretValues(text, args);
    expect(out).not.toContain("p@ss");
    expect(out).not.toContain("p%40ss");
    expect(out).not.toContain("abc%2Fdef");
    expect(out).toContain("vmid 100");
  });
});

describe("Proxmox errors", () => {
  it("do not echo a secret parameter of the call they are about", async () => {
    const secret = "Sup3r-Secret-Pw";
    const pve = new RecordingFetcher(
      pveError(400, `Parameter verification failed. (cipassword: '${secret}' is too weak)`, {
        cipassword: `value '${secret}' does not match the policy`,
      }),
    );
    const client = makeClient(pve);
    const error = await client
      .put(pvePath`/nodes/${parseNodeName("pve1")}/qemu/${parseVmid(100)}/config`, {
        cipassword: secret,
        memory: 2048,
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    for (const text of renderings(error)) expect(text).not.toContain(secret);
    expect(renderings(error).join(" ")).toContain("cipassword");
  });
});
