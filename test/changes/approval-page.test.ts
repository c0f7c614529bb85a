import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { oidcUserId } from "../../src/auth/identity";
import { approvalVerdict, declineVerdict } from "../../src/changes/approval-page";
import { newPlanId, type StoredPlan } from "../../src/changes/plan";
import { JOURNAL_NAME } from "../../src/session/change-journal";
import { changeHarness } from "../support/change-harness";
import { type IdpUser, MockIdp } from "../support/mock-idp";
import {
  Browser,
  type EnvOverrides,
  fetchWith,
  formValue,
  location,
  OIDC_ORIGIN,
  oidcEnv,
} from "../support/oidc-flow";

const ADMIN = { sub: "ada-1", email: "ada@example.com", name: "Ada" };
const SECOND_ADMIN = { sub: "bo-2", email: "bo@example.com", name: "Bo" };
const OPERATOR = { sub: "op-7", email: "olga@ops.example.com", name: "Olga" };
const VIEWER = { sub: "viewer-subject-42", name: "Vic" };

interface PlanAnswer {
  plan_id: string;
  effect: string;
  approval: { required: boolean; url: string | null };
}

let idp: MockIdp;
let settings: EnvOverrides;

beforeEach(async () => {
  idp = await MockIdp.create();
  settings = oidcEnv(idp, { ADMIN_USERS: "ada@example.com, bo@example.com" });
  vi.spyOn(globalThis, "fetch").mockImplementation(idp.fetch);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The deployment's journal, where the pages look plans up. */
function journal() {
  return env.CHANGE_JOURNAL.get(env.CHANGE_JOURNAL.idFromName(JOURNAL_NAME));
}

/**
 * `planner` asks for a hard stop of db-01 through the real MCP server with approvals in `mode`;
 * the plan is mirrored into the deployment's journal as the MCP handler does.
 */
async function plannedStop(mode: "self" | "four-eyes", planner: IdpUser = OPERATOR) {
  const h = await changeHarness({ settings: { approval: mode } });
  const connection = await h.connect({
    userId: await oidcUserId(idp.issuer, planner.sub),
    role: "operator",
    name: planner.name ?? planner.sub,
  });
  const planned = await connection.call<PlanAnswer>("plan_power", {
    guest: "db-01",
    action: "stop",
  });
  expect(planned.data.approval.required).toBe(true);
  const stored = await connection.session.plan(planned.data.plan_id);
  if (!stored) throw new Error("the plan was not stored");
  await journal().record(stored, connection.session.id.toString());
  const apply = () =>
    connection.call<{ outcome: string }>("apply_destructive_change", {
      plan_id: planned.data.plan_id,
      effect: planned.data.effect,
    });
  return { h, connection, plan: planned.data, apply };
}

/** A plan written straight into a session object and the journal. */
async function savedPlan(overrides: Partial<StoredPlan> = {}): Promise<StoredPlan> {
  const now = Date.now();
  const plan: StoredPlan = {
    id: newPlanId(),
    operation: "power",
    args: '{"vmid":999,"action":"stop"}',
    effect: "Stop (hard, no shutdown) VM 999 (<script>x</script>) on pve1",
    risk: "destructive",
    target: {
      vmid: 999,
      name: "<script>x</script>",
      type: "qemu",
      node: "pve1",
      status: "running",
    },
    steps: ["POST /nodes/pve1/qemu/999/status/stop"],
    losses: ["unsaved data in the guest's memory"],
    warnings: ["<b>HA</b> manages this guest"],
    preconditions: { status: "running", lock: "" },
    userId: await oidcUserId(idp.issuer, OPERATOR.sub),
    userName: "Olga",
    createdAt: now,
    expiresAt: now + 300_000,
    state: "planned",
    approval: "pending",
    updatedAt: now,
    ...overrides,
  };
  const session = env.SESSIONS.get(env.SESSIONS.idFromName(crypto.randomUUID()));
  await session.savePlan(plan);
  await journal().record(plan, session.id.toString());
  return plan;
}

async function approvalOf(planId: string) {
  const entry = await journal().entry(planId);
  if (!entry) throw new Error("not in the journal");
  const session = env.SESSIONS.get(env.SESSIONS.idFromString(entry.sessionId));
  return { plan: await session.plan(planId), entry };
}

/** Signs `user` in by opening `path`; returns the browser and the page it then shows. */
async function signedIn(user: IdpUser, path: string, overrides = settings) {
  const browser = new Browser(overrides);
  const start = await browser.open(`${OIDC_ORIGIN}${path}`);
  expect(start.status).toBe(303);
  expect(location(start).startsWith(idp.authorizationEndpoint)).toBe(true);
  const callback = await browser.open(idp.authorize(location(start), user));
  expect(callback.status).toBe(303);
  expect(location(callback)).toBe(`${OIDC_ORIGIN}${path}`);
  const page = await browser.open(`${OIDC_ORIGIN}${path}`);
  return { browser, status: page.status, html: await page.text() };
}

describe("the approval page, CHANGE_APPROVAL=self", () => {
  it("shows the plan to its planner, who approves it with a POST; then it applies", async () => {
    const { plan, apply, h } = await plannedStop("self");
    const early = await apply();
    expect(early.result.isError).toBe(true);
    expect(early.text).toMatch(/waiting for a person's approval/);

    const path = `/changes/${plan.plan_id}`;
    const { browser, status, html } = await signedIn(OPERATOR, path);
    expect(status).toBe(200);
    expect(html).toContain("Approve this change?");
    expect(html).toContain(plan.effect);
    expect(html).toContain("destructive");
    expect(html).toContain("VM 101 (db-01) on node pve1, running when planned");
    expect(html).toContain("unsaved data");
    expect(html).toContain("digest");
    expect(html).toContain("Olga");
    expect(html).toContain(`action="${path}/approve"`);
    expect(html).toContain(`action="${path}/decline"`);

    const post = (fields: Record<string, string>) => browser.post(`${path}/approve`, fields);
    const csrf = formValue(html, "csrf");
    // A link never approves: GET on the decision URL, or the page with anything appended.
    expect((await browser.open(`${OIDC_ORIGIN}${path}/approve?csrf=${csrf}`)).status).toBe(405);
    expect((await browser.open(`${OIDC_ORIGIN}${path}?approve=1`)).status).toBe(200);
    expect((await post({})).status).toBe(403);
    expect((await post({ csrf: "not-the-token" })).status).toBe(403);
    expect((await post({ csrf: `${csrf.slice(1)}x` })).status).toBe(403);
    const crossSite = await browser.open(`${OIDC_ORIGIN}${path}/approve`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: "https://evil.example",
      },
      body: new URLSearchParams({ csrf }),
    });
    expect(crossSite.status).toBe(403);
    expect((await new Browser(settings).post(`${path}/approve`, { csrf })).status).toBe(403);
    expect((await approvalOf(plan.plan_id)).plan?.approval).toBe("pending");

    const approved = await post({ csrf });
    expect(approved.status).toBe(303);
    expect(location(approved)).toBe(`${OIDC_ORIGIN}${path}?done=approved`);
    const after = await approvalOf(plan.plan_id);
    expect(after.plan).toMatchObject({ approval: "approved", state: "planned" });
    expect(after.plan?.approvedBy).toContain("Olga");
    expect(after.entry).toMatchObject({ approval: "approved" });
    const shown = await (await browser.open(location(approved))).text();
    expect(shown).toContain("You approved this change.");
    expect(shown).not.toContain(`action="${path}/approve"`);
    expect((await post({ csrf })).status).toBe(409);

    const applied = await apply();
    expect(applied.result.isError).toBeFalsy();
    expect(applied.data.outcome).toBe("succeeded");
    expect(h.sim.stats().byEndpoint["POST /nodes/{node}/qemu/{vmid}/status/stop"]).toBe(1);
  });

  it("lets nobody but the planner approve, an admin included", async () => {
    const { plan, apply } = await plannedStop("self");
    const path = `/changes/${plan.plan_id}`;
    const { browser, html } = await signedIn(ADMIN, path);
    expect(html).toContain("Only the person who planned this change, Olga, may approve it");
    expect(html).not.toContain(`action="${path}/approve"`);
    const refused = await browser.post(`${path}/approve`, { csrf: formValue(html, "csrf") });
    expect(refused.status).toBe(403);
    expect((await browser.post(`${path}/decline`, { csrf: formValue(html, "csrf") })).status).toBe(
      403,
    );
    expect((await approvalOf(plan.plan_id)).plan?.approval).toBe("pending");
    expect((await apply()).text).toMatch(/waiting for a person's approval/);
  });

  it("lets the planner decline, after which the plan cannot be applied", async () => {
    const { plan, apply } = await plannedStop("self");
    const path = `/changes/${plan.plan_id}`;
    const { browser, html } = await signedIn(OPERATOR, path);
    const declined = await browser.post(`${path}/decline`, { csrf: formValue(html, "csrf") });
    expect(declined.status).toBe(303);
    const after = await approvalOf(plan.plan_id);
    expect(after.plan).toMatchObject({ state: "refused", approval: "pending" });
    expect(after.entry.state).toBe("refused");
    const refused = await apply();
    expect(refused.result.isError).toBe(true);
    expect(refused.text).toMatch(/refused/);
    expect((await browser.post(`${path}/approve`, { csrf: formValue(html, "csrf") })).status).toBe(
      409,
    );
  });

  it("escapes everything it shows and refuses an expired plan", async () => {
    const plan = await savedPlan({ expiresAt: Date.now() - 1000 });
    const path = `/changes/${plan.id}`;
    const { browser, status, html } = await signedIn(OPERATOR, path);
    expect(status).toBe(200);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>HA");
    expect(html).toContain("&#60;script&#62;x&#60;/script&#62;");
    expect(html).toContain("expired");
    expect(html).not.toContain(`action="${path}/approve"`);
    const refused = await browser.post(`${path}/approve`, { csrf: formValue(html, "csrf") });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("expired");
    expect((await approvalOf(plan.id)).plan?.approval).toBe("pending");
  });

  it("refuses a consumed or unknown plan and a malformed id", async () => {
    const used = await savedPlan({ state: "succeeded", approval: "approved", approvedBy: "Olga" });
    const path = `/changes/${used.id}`;
    const { browser, html } = await signedIn(OPERATOR, path);
    expect(html).toContain("succeeded");
    const csrf = formValue(html, "csrf");
    expect((await browser.post(`${path}/approve`, { csrf })).status).toBe(409);
    expect((await browser.post(`${path}/decline`, { csrf })).status).toBe(409);
    const unknown = await browser.open(`${OIDC_ORIGIN}/changes/${newPlanId()}`);
    expect(unknown.status).toBe(404);
    expect((await browser.post(`/changes/${newPlanId()}/approve`, { csrf })).status).toBe(404);
    expect((await new Browser(settings).open(`${OIDC_ORIGIN}/changes/plan_x`)).status).toBe(404);
  });

  it("refuses a sign-in by someone not on the allow-list", async () => {
    const plan = await savedPlan();
    const browser = new Browser(settings);
    const start = await browser.open(`${OIDC_ORIGIN}/changes/${plan.id}`);
    const callback = await browser.open(
      idp.authorize(location(start), { sub: "stranger", email: "eve@evil.example", name: "Eve" }),
    );
    expect(callback.status).toBe(403);
    expect(await callback.text()).toContain("not on this server");
    expect((await browser.open(`${OIDC_ORIGIN}/changes/${plan.id}`)).status).toBe(303);
  });
});

describe("the approval page, CHANGE_APPROVAL=four-eyes", () => {
  it("refuses the planner and non-admins; another admin approves", async () => {
    settings = { ...settings, CHANGE_APPROVAL: "four-eyes" };
    const { plan, apply } = await plannedStop("four-eyes", ADMIN);
    const path = `/changes/${plan.plan_id}`;

    const planner = await signedIn(ADMIN, path);
    expect(planner.html).toContain("another admin must approve it");
    expect(planner.html).not.toContain(`action="${path}/approve"`);
    const own = await planner.browser.post(`${path}/approve`, {
      csrf: formValue(planner.html, "csrf"),
    });
    expect(own.status).toBe(403);

    for (const user of [OPERATOR, VIEWER]) {
      const other = await signedIn(user, path);
      expect(other.html).toContain("Only admins (ADMIN_USERS)");
      const refused = await other.browser.post(`${path}/approve`, {
        csrf: formValue(other.html, "csrf"),
      });
      expect(refused.status).toBe(403);
    }
    expect((await approvalOf(plan.plan_id)).plan?.approval).toBe("pending");
    expect((await apply()).text).toMatch(/waiting for a person's approval/);

    const second = await signedIn(SECOND_ADMIN, path);
    expect(second.html).toContain(`action="${path}/approve"`);
    const approved = await second.browser.post(`${path}/approve`, {
      csrf: formValue(second.html, "csrf"),
    });
    expect(approved.status).toBe(303);
    const after = await approvalOf(plan.plan_id);
    expect(after.plan?.approval).toBe("approved");
    expect(after.plan?.approvedBy).toContain("bo@example.com");
    expect(after.entry.approvedBy).toContain("Bo");
    expect((await apply()).data.outcome).toBe("succeeded");
  });
});

describe("the changes page", () => {
  it("lists every change for admins, newest first, linked to each change", async () => {
    const older = await savedPlan({ createdAt: Date.now() - 60_000 });
    const { plan } = await plannedStop("self");
    const { browser, status, html } = await signedIn(ADMIN, "/admin/changes");
    expect(status).toBe(200);
    expect(html).toContain(`href="/changes/${plan.plan_id}"`);
    expect(html).toContain(plan.effect);
    expect(html).toContain("VM 101 (db-01) on pve1");
    expect(html).toContain("Olga");
    expect(html).toContain("pending");
    expect(html).toContain('href="/admin/grants"');
    expect(html).not.toContain("<script>");
    expect(html.indexOf(plan.plan_id)).toBeLessThan(html.indexOf(older.id));
    // One sign-in serves the grants page too, which links back.
    const grants = await browser.open(`${OIDC_ORIGIN}/admin/grants`);
    expect(grants.status).toBe(200);
    expect(await grants.text()).toContain('href="/admin/changes"');
    const far = await browser.open(`${OIDC_ORIGIN}/admin/changes?page=200`);
    expect(await far.text()).toContain("No older changes.");
  });

  it("refuses people who are not admins", async () => {
    const { status, html } = await signedIn(OPERATOR, "/admin/changes");
    expect(status).toBe(403);
    expect(html).toContain("Admins only");
  });
});

describe("without an identity provider", () => {
  it("says what the pages need", async () => {
    const id = newPlanId();
    const approval = await fetchWith({}, `http://localhost:8787/changes/${id}`);
    expect(approval.status).toBe(404);
    const text = await approval.text();
    expect(text).toContain("OIDC_ISSUER");
    expect(text).toContain("CHANGE_APPROVAL");
    const list = await fetchWith({}, "http://localhost:8787/admin/changes");
    expect(list.status).toBe(404);
    expect(await list.text()).toContain("OIDC_ISSUER");
  });
});

describe("who may decide", () => {
  const now = Date.now();
  const plan = {
    userId: "planner",
    userName: "Olga",
    state: "planned",
    approval: "pending",
    expiresAt: now + 60_000,
  } as StoredPlan;
  const planner = { userId: "planner", name: "Olga", role: "operator" } as const;
  const admin = { userId: "other", name: "Ada", role: "admin" } as const;

  it("keeps the planner's say when approvals were switched off after the plan", () => {
    expect(approvalVerdict(plan, planner, "off", now).ok).toBe(true);
    expect(approvalVerdict(plan, admin, "off", now)).toMatchObject({ ok: false, status: 403 });
  });

  it("lets the planner decline even with four eyes, and refuses decided or routine plans", () => {
    expect(declineVerdict(plan, planner, "four-eyes", now).ok).toBe(true);
    expect(declineVerdict(plan, admin, "four-eyes", now).ok).toBe(true);
    expect(declineVerdict(plan, admin, "self", now).ok).toBe(false);
    const approved = { ...plan, approval: "approved", approvedBy: "Bo" } as StoredPlan;
    expect(approvalVerdict(approved, admin, "four-eyes", now)).toMatchObject({
      ok: false,
      status: 409,
      why: "Already approved by Bo.",
    });
    const routine = { ...plan, approval: "not_needed" } as StoredPlan;
    expect(approvalVerdict(routine, planner, "self", now)).toMatchObject({ status: 409 });
  });
});
