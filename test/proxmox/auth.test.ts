import { describe, expect, it } from "vitest";
import { ProxmoxClient } from "../../src/proxmox/client";
import type { ProxmoxAuth } from "../../src/proxmox/config";
import type { ProxmoxError } from "../../src/proxmox/errors";
import {
  parseNodeName,
  parseSnapshotName,
  parseVmid,
  pvePath,
} from "../../src/proxmox/identifiers";
import { TicketCache } from "../../src/proxmox/ticket";
import { form, pveAuthFailure, pveData, RecordingFetcher, ticketAnswer } from "./fake-fetcher";
import {
  API_ROOT,
  BASE_URL,
  CSRF,
  caught,
  makeClient,
  PASSWORD,
  renderings,
  TICKET,
  TOKEN_SECRET,
  ticketAuth,
} from "./helpers";

const node = parseNodeName("pve1");
const vmid = parseVmid(100);
const MINUTE = 60_000;

describe("API token", () => {
  it("sends PVEAPIToken=USER@REALM!TOKENID=SECRET and no CSRF token or cookie", async () => {
    const fetcher = new RecordingFetcher(pveData({ version: "9.1" }), pveData(null));
    const client = makeClient(fetcher);
    await client.get(pvePath`/version`);
    await client.post(pvePath`/nodes/${node}/qemu/${vmid}/status/start`);
    for (const call of fetcher.calls) {
      expect(call.headers.get("Authorization")).toBe(`PVEAPIToken=mcp@pve!worker=${TOKEN_SECRET}`);
      expect(call.headers.get("CSRFPreventionToken")).toBeNull();
      expect(call.headers.get("Cookie")).toBeNull();
    }
    expect(client.requestCount).toBe(2);
  });

  it("adds extra headers (Cloudflare Access) without letting them replace authentication", async () => {
    const fetcher = new RecordingFetcher(pveData([]));
    const client = makeClient(fetcher, {
      extraHeaders: {
        "CF-Access-Client-Id": "abc123.access",
        "CF-Access-Client-Secret": "access-secret-value",
        Authorization: "Bearer should-not-win",
      },
    });
    await client.get(pvePath`/nodes`);
    const { headers } = fetcher.call(0);
    expect(headers.get("CF-Access-Client-Id")).toBe("abc123.access");
    expect(headers.get("CF-Access-Client-Secret")).toBe("access-secret-value");
    expect(headers.get("Authorization")).toBe(`PVEAPIToken=mcp@pve!worker=${TOKEN_SECRET}`);
  });

  it("refuses an extra header with a line break at construction, without echoing it", () => {
    const build = () =>
      makeClient(new RecordingFetcher(pveData(null)), {
        extraHeaders: { "CF-Access-Client-Secret": "abc\r\nX-Evil: 1" },
      });
    expect(build).toThrow(/CF-Access-Client-Secret' has an invalid name or value/);
    try {
      build();
    } catch (error) {
      for (const text of renderings(error)) expect(text).not.toContain("X-Evil");
    }
  });
});

describe("ticket login", () => {
  function ticketClient(
    fetcher: RecordingFetcher,
    clock: { now: number },
    cache = new TicketCache(),
    auth: ProxmoxAuth = ticketAuth,
  ): ProxmoxClient {
    return makeClient(fetcher, { auth, now: () => clock.now, ticketCache: cache });
  }

  it("logs in once, then sends the cookie, and the CSRF token only on writes", async () => {
    const fetcher = new RecordingFetcher(
      ticketAnswer(TICKET, CSRF),
      pveData([]),
      pveData("UPID:pve1:00001234:00001234:6553F00D:qmstart:100:root@pam:"),
      pveData(null),
      pveData(null),
    );
    const clock = { now: 1_000_000 };
    const client = ticketClient(fetcher, clock);

    await client.get(pvePath`/nodes`);
    await client.post(pvePath`/nodes/${node}/qemu/${vmid}/status/start`);
    await client.put(pvePath`/nodes/${node}/qemu/${vmid}/config`, { onboot: true });
    await client.delete(
      pvePath`/nodes/${node}/qemu/${vmid}/snapshot/${parseSnapshotName("before")}`,
    );

    const login = fetcher.call(0);
    expect(login.method).toBe("POST");
    expect(login.url.href).toBe(`${API_ROOT}/access/ticket`);
    expect(login.headers.get("Content-Type")).toBe("application/x-www-form-urlencoded");
    expect(form(login.body)).toEqual({ username: ["root@pam"], password: [PASSWORD] });
    expect(login.headers.get("Cookie")).toBeNull();
    expect(login.headers.get("Authorization")).toBeNull();

    const cookie = `PVEAuthCookie=${encodeURIComponent(TICKET)}`;
    const [, get, post, put, del] = fetcher.calls;
    expect(get?.headers.get("Cookie")).toBe(cookie);
    expect(get?.headers.get("CSRFPreventionToken")).toBeNull();
    for (const write of [post, put, del]) {
      expect(write?.headers.get("Cookie")).toBe(cookie);
      expect(write?.headers.get("CSRFPreventionToken")).toBe(CSRF);
      expect(write?.headers.get("Authorization")).toBeNull();
    }
    expect(fetcher.calls).toHaveLength(5);
    expect(client.requestCount).toBe(5);
  });

  it("shares the ticket with other clients for the same base URL and user", async () => {
    const cache = new TicketCache();
    const clock = { now: 0 };
    const first = new RecordingFetcher(ticketAnswer(TICKET, CSRF), pveData([]));
    await ticketClient(first, clock, cache).get(pvePath`/nodes`);
    const second = new RecordingFetcher(pveData([]));
    const other = ticketClient(second, clock, cache);
    await other.get(pvePath`/nodes`);
    expect(second.calls).toHaveLength(1);
    expect(second.call(0).headers.get("Cookie")).toBe(
      `PVEAuthCookie=${encodeURIComponent(TICKET)}`,
    );
    expect(other.requestCount).toBe(1);

    // A different user on the same server does not get it.
    const third = new RecordingFetcher(ticketAnswer("PVE:alice@pve:1::x", "c"), pveData([]));
    await ticketClient(third, clock, cache, {
      kind: "ticket",
      username: "alice@pve",
      password: "pw-alice",
    }).get(pvePath`/nodes`);
    expect(third.call(0).url.pathname).toBe("/api2/json/access/ticket");
  });

  it("renews with the current ticket after 90 minutes", async () => {
    const fetcher = new RecordingFetcher(
      ticketAnswer(TICKET, CSRF),
      pveData([]),
      pveData([]),
      ticketAnswer("PVE:root@pam:6553F10D::renewed", "csrf-2"),
      pveData([]),
    );
    const clock = { now: 0 };
    const client = ticketClient(fetcher, clock);
    await client.get(pvePath`/nodes`);
    clock.now = 89 * MINUTE;
    await client.get(pvePath`/nodes`);
    expect(fetcher.calls).toHaveLength(3); // still the first ticket

    clock.now = 91 * MINUTE;
    await client.post(pvePath`/nodes/${node}/qemu/${vmid}/status/start`);
    const renew = fetcher.call(3);
    expect(renew.url.pathname).toBe("/api2/json/access/ticket");
    expect(form(renew.body)).toEqual({ username: ["root@pam"], password: [TICKET] });
    const write = fetcher.call(4);
    expect(write.headers.get("Cookie")).toBe(
      `PVEAuthCookie=${encodeURIComponent("PVE:root@pam:6553F10D::renewed")}`,
    );
    expect(write.headers.get("CSRFPreventionToken")).toBe("csrf-2");
    expect(client.requestCount).toBe(5);
  });

  it("falls back to the password when the renewal is refused", async () => {
    const fetcher = new RecordingFetcher(
      ticketAnswer(TICKET, CSRF),
      pveData([]),
      pveAuthFailure(),
      ticketAnswer("PVE:root@pam:1::fresh", "csrf-3"),
      pveData([]),
    );
    const clock = { now: 0 };
    const client = ticketClient(fetcher, clock);
    await client.get(pvePath`/nodes`);
    clock.now = 100 * MINUTE;
    await client.get(pvePath`/nodes`);
    expect(form(fetcher.call(2).body).password).toEqual([TICKET]);
    expect(form(fetcher.call(3).body).password).toEqual([PASSWORD]);
    expect(fetcher.call(4).headers.get("Cookie")).toContain(
      encodeURIComponent("PVE:root@pam:1::fresh"),
    );
  });

  it("logs in with the password again once the ticket is past its lifetime", async () => {
    const fetcher = new RecordingFetcher(
      ticketAnswer(TICKET, CSRF),
      pveData([]),
      ticketAnswer("PVE:root@pam:2::later", "csrf-4"),
      pveData([]),
    );
    const clock = { now: 0 };
    const client = ticketClient(fetcher, clock);
    await client.get(pvePath`/nodes`);
    clock.now = 3 * 60 * MINUTE;
    await client.get(pvePath`/nodes`);
    expect(form(fetcher.call(2).body)).toEqual({ username: ["root@pam"], password: [PASSWORD] });
    expect(client.requestCount).toBe(4);
  });

  it("re-logs in once when a cached ticket gets a 401, then repeats the call", async () => {
    const cache = new TicketCache();
    const clock = { now: 0 };
    await ticketClient(
      new RecordingFetcher(ticketAnswer(TICKET, CSRF), pveData([])),
      clock,
      cache,
    ).get(pvePath`/nodes`);

    const fetcher = new RecordingFetcher(
      pveAuthFailure("invalid PVE ticket"),
      ticketAnswer("PVE:root@pam:3::new", "csrf-5"),
      pveData("UPID:pve1:00001234:00001234:6553F00D:qmstart:100:root@pam:"),
    );
    const client = ticketClient(fetcher, clock, cache);
    const upid = await client.post(pvePath`/nodes/${node}/qemu/${vmid}/status/start`);
    expect(upid).toMatch(/^UPID:/);
    expect(fetcher.calls.map((c) => `${c.method} ${c.url.pathname}`)).toEqual([
      "POST /api2/json/nodes/pve1/qemu/100/status/start",
      "POST /api2/json/access/ticket",
      "POST /api2/json/nodes/pve1/qemu/100/status/start",
    ]);
    expect(fetcher.call(0).headers.get("CSRFPreventionToken")).toBe(CSRF);
    expect(fetcher.call(2).headers.get("CSRFPreventionToken")).toBe("csrf-5");
    expect(client.requestCount).toBe(3);
    expect(cache.get(TicketCache.key(API_ROOT, "root@pam"))?.ticket).toBe("PVE:root@pam:3::new");
  });

  it("does not loop when the fresh ticket is refused too", async () => {
    const cache = new TicketCache();
    cache.set(TicketCache.key(API_ROOT, "root@pam"), {
      ticket: TICKET,
      csrfToken: CSRF,
      username: "root@pam",
      issuedAt: 0,
    });
    const fetcher = new RecordingFetcher(
      pveAuthFailure("invalid PVE ticket"),
      ticketAnswer("PVE:root@pam:4::new", "csrf-6"),
      pveAuthFailure("invalid PVE ticket"),
    );
    const client = ticketClient(fetcher, { now: 0 }, cache);
    const error = (await caught(client.get(pvePath`/nodes`))) as ProxmoxError;
    expect(error.kind).toBe("bad_credentials");
    expect(fetcher.calls).toHaveLength(3);
  });

  it("a refused password is bad_credentials with a hint, and never shows the password", async () => {
    const fetcher = new RecordingFetcher(pveAuthFailure("authentication failure"));
    const client = ticketClient(fetcher, { now: 0 });
    const error = (await caught(client.get(pvePath`/nodes`))) as ProxmoxError;
    expect(error.kind).toBe("bad_credentials");
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/authentication failure/);
    expect(error.hint).toMatch(/PROXMOX_USERNAME .*root@pam.* PROXMOX_PASSWORD/);
    for (const text of renderings(error)) expect(text).not.toContain(PASSWORD);
    expect(fetcher.calls).toHaveLength(1); // a login is never retried
  });

  it("answers a two-factor challenge with tfa-challenge and a totp: response", async () => {
    const challenge = "PVE:!tfa!%7B%22totp%22%3Atrue%7D:6553F00D::challenge-signature";
    const fetcher = new RecordingFetcher(
      pveData({ ticket: challenge, username: "root@pam", NeedTFA: 1, CSRFPreventionToken: "pre" }),
      ticketAnswer(TICKET, CSRF),
      pveData([]),
    );
    const client = ticketClient(fetcher, { now: 0 }, new TicketCache(), {
      ...ticketAuth,
      otp: "123456",
    } as ProxmoxAuth);
    await client.get(pvePath`/nodes`);
    expect(form(fetcher.call(0).body)).toEqual({ username: ["root@pam"], password: [PASSWORD] });
    expect(form(fetcher.call(1).body)).toEqual({
      username: ["root@pam"],
      "tfa-challenge": [challenge],
      password: ["totp:123456"],
    });
    expect(fetcher.call(2).headers.get("Cookie")).toBe(
      `PVEAuthCookie=${encodeURIComponent(TICKET)}`,
    );
  });

  it("says so when a second factor is required but none is configured", async () => {
    const fetcher = new RecordingFetcher(
      pveData({ ticket: "PVE:!tfa!x:1::sig", username: "root@pam", NeedTFA: 1 }),
    );
    const client = ticketClient(fetcher, { now: 0 });
    const error = (await caught(client.get(pvePath`/nodes`))) as ProxmoxError;
    expect(error.kind).toBe("bad_credentials");
    expect(error.message).toMatch(/requires a second factor for root@pam/);
    expect(error.hint).toMatch(/PROXMOX_OTP|API token/);
    for (const text of renderings(error)) expect(text).not.toContain("PVE:!tfa!x:1::sig");
  });

  it("one login serves concurrent calls of the same client", async () => {
    const fetcher = new RecordingFetcher(ticketAnswer(TICKET, CSRF), pveData([]));
    const client = ticketClient(fetcher, { now: 0 });
    await Promise.all([client.get(pvePath`/nodes`), client.get(pvePath`/version`)]);
    expect(fetcher.calls.filter((c) => c.url.pathname.endsWith("/access/ticket"))).toHaveLength(1);
    expect(client.requestCount).toBe(3);
  });

  it("sends extra headers with the login request too", async () => {
    const fetcher = new RecordingFetcher(ticketAnswer(TICKET, CSRF), pveData([]));
    const client = new ProxmoxClient({
      config: { baseUrl: BASE_URL, auth: ticketAuth },
      fetcher,
      ticketCache: new TicketCache(),
      extraHeaders: { "CF-Access-Client-Id": "id.access", "CF-Access-Client-Secret": "sec-ret-1" },
    });
    await client.get(pvePath`/nodes`);
    expect(fetcher.call(0).headers.get("CF-Access-Client-Secret")).toBe("sec-ret-1");
    expect(fetcher.call(1).headers.get("CF-Access-Client-Secret")).toBe("sec-ret-1");
  });
});
