#!/usr/bin/env node
// A real client against `npm start`, as a person would check the change tools by hand: it
// reads the scopes the server advertises in its 401, signs in as admin through the dev sign-in,
// lists the change tools, then plans and applies
//   1. a stop of a running guest (and a start to put it back),
//   2. a clone of a template, a configuration change of the clone, and its deletion,
// checking the cluster after each step. Loopback only; it stops what it started.
//
//   npm run probe

import { devSignIn, mcpClient, ORIGIN, startStack } from "./support/dev-stack.mjs";

const steps = [];
function check(ok, what) {
  steps.push(what);
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) throw new Error(`probe failed: ${what}`);
}

async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${result.content?.[0]?.text}`);
  return result.structuredContent;
}

async function planAndApply(client, tool, args) {
  const plan = await call(client, tool, args);
  console.log(`     plan ${plan.plan_id}: ${plan.effect} (${plan.risk})`);
  const applied = await call(client, plan.apply_with, {
    plan_id: plan.plan_id,
    effect: plan.effect,
  });
  console.log(`     ${applied.outcome}${applied.upid ? ` ${applied.upid}` : ""}`);
  return { plan, applied };
}

const stack = await startStack();
try {
  const challenge = await fetch(`${ORIGIN}/mcp`, { method: "POST" });
  const scope = /scope="([^"]+)"/.exec(challenge.headers.get("WWW-Authenticate") ?? "")?.[1];
  check(
    challenge.status === 401 && scope?.includes("pve:admin"),
    `401 advertises every scope (${scope})`,
  );

  const client = await mcpClient(await devSignIn("admin", scope), "probe");
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  const changeTools = names.filter((name) => /^(plan|apply)_/.test(name));
  check(
    changeTools.length >= 10,
    `admin sees ${changeTools.length} change tools: ${changeTools.join(", ")}`,
  );
  const info = await call(client, "session_info", {});
  check(info.role === "admin", `signed in as ${info.role}`);

  const guests = (await call(client, "list_guests", { status: "running", type: "lxc" })).guests;
  const target = guests.find((g) => !g.hastate) ?? guests[0];
  check(target !== undefined, `a running container to stop: ${target?.vmid} (${target?.name})`);
  const stop = await planAndApply(client, "plan_power", { guest: target.vmid, action: "stop" });
  const stopped = await call(client, "guest_status", { guest: target.vmid });
  check(
    stop.applied.outcome === "succeeded" && stopped.status === "stopped",
    `guest ${target.vmid} is stopped`,
  );
  await planAndApply(client, "plan_power", { guest: target.vmid, action: "start" });
  const started = await call(client, "guest_status", { guest: target.vmid });
  check(started.status === "running", `guest ${target.vmid} is running again`);

  const before = (await call(client, "list_guests", {})).guests.map((g) => g.vmid).sort();
  const templates = (await call(client, "list_guests", { template: true, type: "qemu" })).guests;
  check(templates.length > 0, `a VM template to clone: ${templates[0]?.vmid}`);
  const clone = await planAndApply(client, "plan_clone", {
    guest: templates[0].vmid,
    name: "probe-clone",
  });
  const newid = Number(/to VM (\d+)/.exec(clone.plan.effect)?.[1]);
  check(clone.applied.outcome === "succeeded" && newid > 0, `clone ${newid} exists`);
  await planAndApply(client, "plan_configure", {
    guest: newid,
    set: { cores: 3, description: "probe" },
  });
  const config = await call(client, "guest_config", { guest: newid });
  check(String(config.options?.cores) === "3", `clone ${newid} has 3 cores`);
  const deleted = await planAndApply(client, "plan_delete", { guest: newid });
  const after = (await call(client, "list_guests", {})).guests.map((g) => g.vmid).sort();
  check(
    deleted.applied.outcome === "succeeded" && JSON.stringify(after) === JSON.stringify(before),
    "clone deleted: the cluster's guests are as before",
  );
  await client.close();
  console.log(`probe: ${steps.length} checks passed`);
} finally {
  await stack.stop();
}
