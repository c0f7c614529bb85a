import { it } from "vitest";
import { toolHarness } from "../support/tool-harness";
it("sizes", async () => {
  const { client } = await toolHarness();
  const listed = await client.listTools();
  let total = 0;
  for (const t of listed.tools) {
    total += JSON.stringify(t).length;
    console.log(`${t.name}\t${JSON.stringify(t).length}\tin=${JSON.stringify(t.inputSchema).length}\tout=${JSON.stringify(t.outputSchema).length}\tdesc=${t.description?.length}`);
  }
  console.log(`TOTAL ${JSON.stringify(listed).length} ${total}`);
});
