import { GRANTS_PATH, SIGN_OUT_PATH } from "../auth/admin-grants";
import { SESSION_TTL_S } from "../auth/admin-session";
import { guarded } from "../auth/authorize";
import { beginBrowserSignIn, browserUser } from "../auth/browser-sign-in";
import { escapeHtml, htmlResponse, page } from "../auth/html";
import type { AppConfig } from "../config";
import type { Env } from "../env";
import { JOURNAL_NAME, type JournalEntry } from "../session/change-journal";
import { CHANGE_PAGE_PREFIX, CHANGES_ADMIN_PATH, utc } from "./approval-page";

/**
 * /admin/changes: every change by every user, newest first, from the deployment's journal
 * (src/session/change-journal.ts). Admins only, signed in through the identity provider like
 * /admin/grants. Read-only: deciding happens on each change's own page.
 */
export const PAGE_SIZE = 50;
/** The journal keeps 10,000 changes; 200 pages of 50 reach all of them. */
const MAX_PAGE = 200;
/** The longest a plan can live (PLAN_TTL_SECONDS is at most 3600). */
const MAX_PLAN_AGE_MS = 3600 * 1000;

const NOT_CONFIGURED = {
  title: "Changes page unavailable",
  message:
    "The changes page signs admins in through the OpenID Connect identity provider. Configure OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, and list yourself in ADMIN_USERS. Locally, with the development sign-in, session_info shows the changes of your own connection.",
};

function pageNumber(request: Request): number {
  const raw = Number(new URL(request.url).searchParams.get("page") ?? "1");
  return Number.isInteger(raw) ? Math.min(MAX_PAGE, Math.max(1, raw)) : 1;
}

/** GET /admin/changes[?page=N] */
export function showChanges(request: Request, env: Env, config: AppConfig): Promise<Response> {
  return guarded(async () => {
    const access = await browserUser(request, env, config, NOT_CONFIGURED);
    if (access.kind === "unavailable") return access.response;
    if (access.kind === "anonymous") return beginBrowserSignIn(access.signIn, CHANGES_ADMIN_PATH);
    const { session, role } = access.user;
    const headers = new Headers({ "Cache-Control": "no-store" });
    if (role !== "admin") {
      return htmlResponse(
        page(
          "Admins only",
          `<h1>Admins only</h1><p>You are signed in as <strong>${escapeHtml(session.name)}</strong> with the ${escapeHtml(role)} role. Only people listed in <code>ADMIN_USERS</code> can see every change. Your own changes are on the pages the assistant links to, and in <code>session_info</code>.</p>`,
        ),
        403,
        headers,
      );
    }
    const number = pageNumber(request);
    const journal = env.CHANGE_JOURNAL.get(env.CHANGE_JOURNAL.idFromName(JOURNAL_NAME));
    const rows = await journal.list(PAGE_SIZE + 1, (number - 1) * PAGE_SIZE);
    const html = changesPage({
      entries: rows.slice(0, PAGE_SIZE),
      number,
      hasOlder: rows.length > PAGE_SIZE && number < MAX_PAGE,
      name: session.name,
      csrf: session.csrf,
      now: Date.now(),
    });
    return htmlResponse(html, 200, headers);
  });
}

interface ChangesPageOptions {
  entries: readonly JournalEntry[];
  number: number;
  hasOlder: boolean;
  name: string;
  csrf: string;
  now: number;
}

function stateOf(entry: JournalEntry, now: number): string {
  // The journal hears of a plan again only when someone acts on it; one nobody applied
  // stays "planned" there after it expired.
  if (entry.state === "planned" && now - entry.createdAt > MAX_PLAN_AGE_MS) {
    return "expired (never applied)";
  }
  return entry.state;
}

function approvalOf(entry: JournalEntry): string {
  if (entry.approval === "approved") return `approved by ${entry.approvedBy ?? "someone"}`;
  if (entry.approval === "not_needed") return "not needed";
  return entry.approval;
}

function changeRow(entry: JournalEntry, now: number): string {
  const cell = (text: string | null) => `<td>${text ? escapeHtml(text) : ""}</td>`;
  return `<tr><td>${escapeHtml(utc(entry.createdAt))}</td>
<td>${escapeHtml(entry.userName)}<br><small><code>${escapeHtml(entry.userId)}</code></small></td>
<td><code>${escapeHtml(entry.operation)}</code><br><a href="${CHANGE_PAGE_PREFIX}${escapeHtml(entry.planId)}">${escapeHtml(entry.effect)}</a></td>
${cell(entry.target)}${cell(entry.risk)}${cell(approvalOf(entry))}${cell(stateOf(entry, now))}
<td>${entry.upid ? `<code>${escapeHtml(entry.upid)}</code>` : ""}</td>${cell(entry.result)}</tr>`;
}

function changesPage({ entries, number, hasOlder, name, csrf, now }: ChangesPageOptions): string {
  const table = entries.length
    ? `<table><thead><tr><th>When (UTC)</th><th>Who</th><th>Change</th><th>Target</th><th>Risk</th><th>Approval</th><th>State</th><th>Task</th><th>Result</th></tr></thead><tbody>${entries.map((entry) => changeRow(entry, now)).join("\n")}</tbody></table>`
    : number > 1
      ? "<p>No older changes.</p>"
      : "<p>No change was planned yet.</p>";
  const paging = [
    number > 1 ? `<a href="${CHANGES_ADMIN_PATH}?page=${number - 1}">Newer</a>` : "",
    hasOlder ? `<a href="${CHANGES_ADMIN_PATH}?page=${number + 1}">Older</a>` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  return page(
    "Changes",
    `<style>body{max-width:80rem}</style>
<h1>Changes</h1>
<p>Every change planned through this server, by every user, newest first (page ${number}). A plan changes nothing until it is applied; destructive ones may need a person's approval first. <a href="${GRANTS_PATH}">Connected apps</a></p>
${table}
${paging ? `<p>${paging}</p>` : ""}
<form method="post" action="${SIGN_OUT_PATH}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><p>Signed in as ${escapeHtml(name)} for ${SESSION_TTL_S / 60} minutes. <button>Sign out</button></p></form>`,
  );
}
