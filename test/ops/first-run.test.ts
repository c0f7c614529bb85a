import { describe, expect, it } from "vitest";
import packageJson from "../../package.json?raw";
import readme from "../../README.md?raw";
import wranglerToml from "../../wrangler.toml?raw";

const scripts = (JSON.parse(packageJson) as { scripts: Record<string, string> }).scripts;

/** `[vars] PUBLIC_ORIGIN` of the local configuration (the first one in the file). */
const localOrigin = /^PUBLIC_ORIGIN = "([^"]+)"/m.exec(wranglerToml)?.[1] ?? "";

describe("the first run", () => {
  it("npm start listens on, and prints, the configured local origin", () => {
    const origin = new URL(localOrigin);
    const start = scripts.start ?? "";
    expect(start).toContain(`--ip ${origin.hostname}`);
    expect(start).toContain(`--port ${origin.port}`);
    expect(readme).toContain(`Ready on ${localOrigin}`);
  });

  it("npm run inspect starts the Inspector major that needs Node 22+, through npm's PATH", () => {
    // npm scripts put node_modules/.bin first on PATH, where the `node` devDependency (Node 24) is.
    expect(scripts.inspect).toMatch(/^npx -y @modelcontextprotocol\/inspector@2$/);
    expect(readme).toContain("npm run inspect");
    expect(readme).not.toContain("`npx @modelcontextprotocol/inspector`,");
  });

  it("the local build names its environment, so wrangler does not warn about it", () => {
    expect(scripts.build).toMatch(/^wrangler deploy --dry-run --env="" /);
  });
});

describe("the rate-limit binding", () => {
  it("exists locally and in production with the same name", () => {
    const blocks = [
      ...wranglerToml.matchAll(
        /^\[\[(env\.production\.)?ratelimits\]\]\nname = "AUTH_RATE_LIMIT"\n/gm,
      ),
    ];
    expect(blocks.map((block) => block[1] ?? "top")).toEqual(["top", "env.production."]);
  });
});
