import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE, schemaSdl } from "./print-schema.ts";

describe("schema.graphql", () => {
  it("is what the code prints (run `npm run schema:print -w ui-graphql` after changing schema/*.ts)", () => {
    expect(fs.readFileSync(SCHEMA_FILE, "utf8")).toBe(schemaSdl());
  });

  it("keeps the names the web UI depends on", () => {
    const sdl = schemaSdl();
    for (const name of [
      "health: Health!",
      "workerStatus: WorkerStatus!",
      "alerts(",
      "alert(id: Int!): Alert",
      "auditLog(after: String, first: Int): AuditEntryConnection!",
      "uploadSession(file: Upload!): UploadSessionResult!",
      "alertAdded(minScore: Float): Alert!",
      "scalar Upload",
    ]) {
      expect(sdl).toContain(name);
    }
  });
});
