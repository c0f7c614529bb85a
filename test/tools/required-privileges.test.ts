import { describe, expect, it } from "vitest";
import script from "../../cloudflared/create-api-token.sh?raw";
import { ROLES } from "../../src/auth/scopes";
import { requiredPrivileges } from "../../src/tools/support/required-privileges";

/** The privilege lists the token script grants, expanded as the shell would. */
function scriptPrivileges(): Record<string, Set<string>> {
  const vars: Record<string, string> = {};
  for (const [, name, value] of script.matchAll(/^(\w+_privs)="([^"]*)"$/gm)) {
    vars[name ?? ""] = (value ?? "").replace(/\$(\w+)/g, (_m, ref: string) => vars[ref] ?? "");
  }
  return Object.fromEntries(
    ROLES.map((role) => [role, new Set((vars[`${role}_privs`] ?? "").split(",").filter(Boolean))]),
  );
}

describe("the privileges each role needs", () => {
  it("are exactly what the token script grants, at least", () => {
    const granted = scriptPrivileges();
    for (const role of ROLES) {
      expect(granted[role]?.size, role).toBeGreaterThan(0);
      const missing = requiredPrivileges(role)
        .map((r) => r.privilege)
        .filter((p) => !granted[role]?.has(p));
      expect(missing, `${role} needs privileges the script does not grant`).toEqual([]);
    }
  });

  it("never include storage or host configuration", () => {
    const all = requiredPrivileges("admin").map((r) => r.privilege);
    expect(all).not.toContain("Datastore.Allocate");
    expect(all).not.toContain("Sys.Modify");
    expect(scriptPrivileges().admin?.has("Datastore.Allocate")).toBe(false);
  });
});
