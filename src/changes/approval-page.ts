import { SIGN_OUT_PATH } from "../auth/admin-grants";
import { SESSION_TTL_S, sameOriginForm } from "../auth/admin-session";
import { guarded } from "../auth/authorize";
import {
  type BrowserUser,
  beginBrowserSignIn,
  browserUser,
  seeOther,
} from "../auth/browser-sign-in";
import { errorPage, escapeHtml, htmlResponse, page } from "../auth/html";
import { oidcUserId } from "../auth/identity";
import type { Role } from "../auth/scopes";
import type { AppConfig } from "../config";
import type { Env } from "../env";
import { JOURNAL_NAME } from "../session/change-journal";
import { APPLY_TOOL, PLAN_ID_PATTERN, type StoredPlan } from "./plan";
import { type ApprovalMode, ChangeSettingsError, loadChangeSettings } from "./settings";

/**
 * /changes/<plan_id>: the page a destructive plan links to when the deployment wants a person
 * to approve it (CHANGE_APPROVAL, src/changes/settings.ts). The person signs in through the
 * identity provider, reads the plan, and approves or declines it with a POST that carries the
 * session's CSRF token; a GET never changes anything. The grant's session object stays the
 * truth about the plan and decides atomically; the journal gets a copy for /admin/changes.
 */
export const CHANGE_PAGE_PREFIX = "/changes/";
export const CHANGES_ADMIN_PATH = "/admin/changes";

export type Decision = "approve" | "decline";

export const NOT_CONFIGURED = {
  title: "Approval page unavailable",
  message:
    "Approving changes needs a sign-in through an OpenID Connect identity provider, so that the server knows who approves. Configure OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, and list people in ADMIN_USERS, OPERATOR_USERS or VIEWER_USERS. With the development sign-in approvals are off (CHANGE_APPROVAL defaults to off without OIDC_ISSUER), so destructive plans are applied without this page. To try it locally, register http://localhost:8787/callback at a provider (a Cloudflare Access for SaaS application, or Dex or Keycloak on your machine), put its settings in .dev.vars with CHANGE_APPROVAL=self or four-eyes, and run npm start.",
};

/** Who looks at the page: the grant user id they would have, their name and allow-list role. */
export interface Approver {
  userId: string;
  name: string;
  role: Role;
}

export type Verdict = { ok: true } | { ok: false; status: 403 | 409; why: string };

/** A time as people read it on these pages. */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Whether the plan still waits for a decision at all, whoever looks at it. */
function open(plan: StoredPlan, now: number): Verdict {
  if (plan.approval === "not_needed") {
    return {
      ok: false,
      status: 409,
      why: "This change needs no approval: it is routine, or approvals were off when it was planned.",
    };
  }
  if (plan.state !== "planned") {
    return {
      ok: false,
      status: 409,
      why: `This change is ${plan.state}${plan.result ? ` (${plan.result})` : ""}; nothing is left to decide.`,
    };
  }
  if (now >= plan.expiresAt) {
    return {
      ok: false,
      status: 409,
      why: `This plan expired at ${utc(plan.expiresAt)} and can no longer be applied. Ask for a new plan.`,
    };
  }
  return { ok: true };
}

/**
 * Who may approve: with four eyes an admin who did not plan the change, otherwise (self, or
 * approvals switched off since the plan asked for one) only the person who planned it.
 */
export function approvalVerdict(
  plan: StoredPlan,
  who: Approver,
  mode: ApprovalMode,
  now: number,
): Verdict {
  const state = open(plan, now);
  if (!state.ok) return state;
  if (plan.approval === "approved") {
    return { ok: false, status: 409, why: `Already approved by ${plan.approvedBy ?? "someone"}.` };
  }
  if (mode === "four-eyes") {
    if (who.userId === plan.userId) {
      return {
        ok: false,
        status: 403,
        why: "You planned this change, and this server wants a second person to approve it (CHANGE_APPROVAL=four-eyes): another admin must approve it. Send them this page's address.",
      };
    }
    if (who.role !== "admin") {
      return {
        ok: false,
        status: 403,
        why: `Only admins (ADMIN_USERS) may approve other people's changes on this server (CHANGE_APPROVAL=four-eyes). You are signed in as ${who.name} with the ${who.role} role.`,
      };
    }
    return { ok: true };
  }
  if (who.userId !== plan.userId) {
    return {
      ok: false,
      status: 403,
      why: `Only the person who planned this change, ${plan.userName}, may approve it on this server (CHANGE_APPROVAL=self). You are signed in as ${who.name}.`,
    };
  }
  return { ok: true };
}

/** Who may decline: the planner, always; with four eyes also any other admin. */
export function declineVerdict(
  plan: StoredPlan,
  who: Approver,
  mode: ApprovalMode,
  now: number,
): Verdict {
  const state = open(plan, now);
  if (!state.ok) return state;
  if (who.userId === plan.userId) return { ok: true };
  if (mode === "four-eyes" && who.role === "admin") return { ok: true };
  return {
    ok: false,
    status: 403,
    why:
      mode === "four-eyes"
        ? "Only the person who planned this change or an admin may decline it."
        : `Only the person who planned this change, ${plan.userName}, may decline it.`,
  };
}

interface FoundPlan {
  plan: StoredPlan;
  sessionId: string;
  session: DurableObjectStub<import("../session/mcp-session").McpSession>;
  journal: DurableObjectStub<import("../session/change-journal").ChangeJournal>;
}

/** The plan, read from the grant's session object the journal names for it. */
async function findPlan(env: Env, planId: string): Promise<FoundPlan | undefined> {
  const journal = env.CHANGE_JOURNAL.get(env.CHANGE_JOURNAL.idFromName(JOURNAL_NAME));
  const entry = await journal.entry(planId);
  if (!entry) return undefined;
  let id: DurableObjectId;
  try {
    id = env.SESSIONS.idFromString(entry.sessionId);
  } catch {
    return undefined;
  }
  const session = env.SESSIONS.get(id);
  const plan = await session.plan(planId);
  return plan ? { plan, sessionId: entry.sessionId, session, journal } : undefined;
}

function approvalMode(env: Env): ApprovalMode | Response {
  try {
    return loadChangeSettings(env).approval;
  } catch (error) {
    if (!(error instanceof ChangeSettingsError)) throw error;
    return errorPage(
      "Changes are off",
      `This server's change settings are invalid, so no change can be approved or applied: ${error.message}`,
      503,
    );
  }
}

async function approver(user: BrowserUser): Promise<Approver> {
  const { session, role, signIn } = user;
  return {
    userId: await oidcUserId(signIn.oidc.issuer, session.subject),
    name:
      session.email && session.email !== session.name
        ? `${session.name} <${session.email}>`
        : session.name,
    role,
  };
}

const NO_SUCH_PLAN =
  "There is no such change on this server. The link may be mistyped, or the plan is so old it was pruned.";

function noStore(): Headers {
  return new Headers({ "Cache-Control": "no-store" });
}

/** GET /changes/:planId */
export function showChange(
  request: Request,
  env: Env,
  config: AppConfig,
  planId: string,
): Promise<Response> {
  return guarded(async () => {
    if (!PLAN_ID_PATTERN.test(planId)) return errorPage("No such change", NO_SUCH_PLAN, 404);
    const access = await browserUser(request, env, config, NOT_CONFIGURED);
    if (access.kind === "unavailable") return access.response;
    if (access.kind === "anonymous") {
      return beginBrowserSignIn(access.signIn, `${CHANGE_PAGE_PREFIX}${planId}`);
    }
    const mode = approvalMode(env);
    if (mode instanceof Response) return mode;
    const found = await findPlan(env, planId);
    if (!found) return errorPage("No such change", NO_SUCH_PLAN, 404);
    const who = await approver(access.user);
    const done = new URL(request.url).searchParams.get("done");
    const html = changePage({
      plan: found.plan,
      who,
      mode,
      now: Date.now(),
      user: access.user,
      notice:
        done === "approved"
          ? "You approved this change. The assistant can now apply it."
          : done === "declined"
            ? "You declined this change. It can no longer be applied."
            : "",
    });
    return htmlResponse(html, 200, noStore());
  });
}

const REFUSED_FORM =
  "The form did not come from this server's page, or your sign-in changed since the page was shown. Open the change page again and use its buttons.";

/** POST /changes/:planId/approve and /changes/:planId/decline */
export function decideChange(
  decision: Decision,
  request: Request,
  env: Env,
  config: AppConfig,
  planId: string,
): Promise<Response> {
  return guarded(async () => {
    if (!PLAN_ID_PATTERN.test(planId)) return errorPage("No such change", NO_SUCH_PLAN, 404);
    const access = await browserUser(request, env, config, NOT_CONFIGURED);
    if (access.kind === "unavailable") return access.response;
    const back = `<p><a class="button" href="${CHANGE_PAGE_PREFIX}${planId}">Open the change</a></p>`;
    if (access.kind === "anonymous") {
      return htmlResponse(
        page(
          "Not signed in",
          `<h1>Not signed in</h1><p>Nothing was changed. Open the change page, sign in, and decide there.</p>${back}`,
        ),
        403,
        noStore(),
      );
    }
    const form = await sameOriginForm(request, config, access.user.session);
    if (!form) return errorPage("Request refused", `Nothing was changed. ${REFUSED_FORM}`, 403);
    const mode = approvalMode(env);
    if (mode instanceof Response) return mode;
    const found = await findPlan(env, planId);
    if (!found) return errorPage("No such change", NO_SUCH_PLAN, 404);
    const who = await approver(access.user);
    const now = Date.now();
    const verdict = (decision === "approve" ? approvalVerdict : declineVerdict)(
      found.plan,
      who,
      mode,
      now,
    );
    const refuse = (status: number, why: string) =>
      htmlResponse(
        page(
          "Not possible",
          `<h1>Not possible</h1><p>${escapeHtml(why)}</p><p>Nothing was changed.</p>${back}`,
        ),
        status,
        noStore(),
      );
    if (!verdict.ok) return refuse(verdict.status, verdict.why);

    const decisionRequest = {
      id: planId,
      userId: who.userId,
      name: who.name,
      fourEyes: mode === "four-eyes",
      now,
    };
    const result =
      decision === "approve"
        ? await found.session.approvePlan(decisionRequest)
        : await found.session.declinePlan(decisionRequest);
    if (!result.ok) {
      // The plan moved between reading it and deciding (applied, expired, decided elsewhere).
      const fresh = result.plan ?? found.plan;
      const again = (decision === "approve" ? approvalVerdict : declineVerdict)(
        fresh,
        who,
        mode,
        now,
      );
      return refuse(
        result.refusal === "unknown" ? 404 : again.ok ? 409 : again.status,
        again.ok ? "The change moved on while you decided. Reload the page." : again.why,
      );
    }
    try {
      await found.journal.record(result.plan, found.sessionId);
    } catch (error) {
      console.log(
        JSON.stringify({ event: "journal_write_failed", plan: planId, error: String(error) }),
      );
    }
    console.log(
      JSON.stringify({
        event: decision === "approve" ? "plan_approved" : "plan_declined",
        plan: planId,
        plannedBy: found.plan.userId,
        by: who.userId,
        mode,
      }),
    );
    const done = decision === "approve" ? "approved" : "declined";
    return seeOther(`${CHANGE_PAGE_PREFIX}${planId}?done=${done}`);
  });
}

/** GET on a decision URL: deciding takes the page's button (a POST), never a link. */
export function decisionByGet(planId: string): Response {
  const link = PLAN_ID_PATTERN.test(planId)
    ? `<p><a class="button" href="${CHANGE_PAGE_PREFIX}${planId}">Open the change</a></p>`
    : "";
  const headers = noStore();
  headers.set("Allow", "POST");
  return htmlResponse(
    page(
      "Use the button on the change page",
      `<h1>Use the button on the change page</h1><p>A change is approved or declined only with the buttons on its page, never by opening a link. Nothing was changed.</p>${link}`,
    ),
    405,
    headers,
  );
}

interface ChangePageOptions {
  plan: StoredPlan;
  who: Approver;
  mode: ApprovalMode;
  now: number;
  user: BrowserUser;
  notice: string;
}

function list(items: readonly string[], ordered = false): string {
  const tag = ordered ? "ol" : "ul";
  return `<${tag}>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join("")}</${tag}>`;
}

function row(name: string, value: string): string {
  return `<tr><th>${escapeHtml(name)}</th><td>${value}</td></tr>`;
}

/** The plan's state in words, for people. */
export function stateInWords(plan: StoredPlan, now: number): string {
  if (plan.state === "planned" && now >= plan.expiresAt) return "expired (never applied)";
  if (plan.state === "planned") {
    if (plan.approval === "pending") return "waiting for approval";
    if (plan.approval === "approved") return "approved, not applied yet";
    return "planned, not applied yet";
  }
  return plan.state;
}

function approvalInWords(plan: StoredPlan, mode: ApprovalMode): string {
  if (plan.approval === "not_needed") return "not needed";
  if (plan.approval === "approved") return `approved by ${plan.approvedBy ?? "someone"}`;
  return mode === "four-eyes" ? "needed from another admin" : "needed from the planner";
}

function decisionForm(decision: Decision, planId: string, csrf: string, label: string): string {
  return `<form method="post" action="${CHANGE_PAGE_PREFIX}${planId}/${decision}" style="display:inline"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button>${escapeHtml(label)}</button></form>`;
}

function changePage({ plan, who, mode, now, user, notice }: ChangePageOptions): string {
  const t = plan.target;
  const target = `${t.type === "qemu" ? "VM" : "container"} ${t.vmid}${t.name ? ` (${escapeHtml(t.name)})` : ""} on node ${escapeHtml(t.node)}, ${escapeHtml(t.status)} when planned`;
  const facts = [
    row("Risk", `<strong>${escapeHtml(plan.risk)}</strong>`),
    row("Target", target),
    row("Operation", `<code>${escapeHtml(plan.operation)}</code>`),
    row("Planned by", `${escapeHtml(plan.userName)}, ${utc(plan.createdAt)}`),
    row("Expires", utc(plan.expiresAt)),
    row("State", escapeHtml(stateInWords(plan, now))),
    row("Approval", escapeHtml(approvalInWords(plan, mode))),
    ...(plan.upid ? [row("Task", `<code>${escapeHtml(plan.upid)}</code>`)] : []),
    ...(plan.result ? [row("Result", escapeHtml(plan.result))] : []),
  ];
  const preconditions = Object.entries(plan.preconditions);
  const approve = approvalVerdict(plan, who, mode, now);
  const decline = declineVerdict(plan, who, mode, now);
  const csrf = user.session.csrf;
  const buttons = [
    approve.ok ? decisionForm("approve", plan.id, csrf, "Approve") : "",
    decline.ok ? decisionForm("decline", plan.id, csrf, "Decline") : "",
  ].join("");
  const approveNote = approve.ok
    ? `<p>Approving lets the assistant apply this change once with <code>${APPLY_TOOL[plan.risk]}</code> before it expires. Proxmox is only touched then, and only if the guest is still in the state shown above.</p>`
    : `<p class="warn">${escapeHtml(approve.why)}</p>`;
  const adminLink = user.role === "admin" ? ` <a href="${CHANGES_ADMIN_PATH}">All changes</a>` : "";
  return page(
    `Change ${plan.id}`,
    `<style>body{max-width:48rem}th{width:9rem}</style>
<h1>${plan.approval === "pending" && approve.ok ? "Approve this change?" : "Change"}</h1>
${notice ? `<p class="warn">${escapeHtml(notice)}</p>` : ""}
<p class="${plan.risk === "destructive" ? "dev" : "warn"}"><strong>${escapeHtml(plan.effect)}</strong></p>
<table>${facts.join("")}</table>
<h2>Steps</h2>${list(plan.steps, true)}
<h2>What can be lost</h2>${plan.losses.length > 0 ? list(plan.losses) : "<p>Nothing.</p>"}
${plan.warnings.length > 0 ? `<h2>Warnings</h2>${list(plan.warnings)}` : ""}
<h2>Preconditions</h2>
<p>The state the plan was made for. Applying reads it again and refuses if anything differs.</p>
${preconditions.length > 0 ? `<table>${preconditions.map(([name, value]) => row(name, `<code>${escapeHtml(value || "(none)")}</code>`)).join("")}</table>` : "<p>None.</p>"}
<h2>Decision</h2>
${approveNote}
${buttons ? `<p>${buttons}</p>` : ""}
<form method="post" action="${SIGN_OUT_PATH}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><p><small>Plan <code>${escapeHtml(plan.id)}</code>. Signed in as ${escapeHtml(who.name)} (${escapeHtml(who.role)}) for ${SESSION_TTL_S / 60} minutes.</small> <button>Sign out</button>${adminLink}</p></form>`,
  );
}
