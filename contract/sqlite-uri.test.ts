import { describe, expect, it } from "vitest";
import { sqliteFilePath } from "./sqlite-uri.ts";

describe("sqliteFilePath", () => {
  it("reads the seed's four-slash absolute form", () => {
    expect(sqliteFilePath("sqlite:////app/data/sentinel.db")).toBe("/app/data/sentinel.db");
  });
  it("reads three slashes as relative to the working directory", () => {
    expect(sqliteFilePath("sqlite:///data/ui.db", "/srv/tg")).toBe("/srv/tg/data/ui.db");
  });
  it("reads file: URLs in their usual forms", () => {
    expect(sqliteFilePath("file:/abs/x.db")).toBe("/abs/x.db");
    expect(sqliteFilePath("file:./rel/x.db", "/w")).toBe("/w/rel/x.db");
    expect(sqliteFilePath("file:///abs/y.db?mode=rwc")).toBe("/abs/y.db");
    expect(sqliteFilePath("file:///with%20space/y.db")).toBe("/with space/y.db");
  });
  it("takes a plain path as a path", () => {
    expect(sqliteFilePath("/var/lib/x.db")).toBe("/var/lib/x.db");
  });
  it("refuses other schemes, in-memory databases and empty values with a reason", () => {
    expect(() => sqliteFilePath("postgres://localhost/x")).toThrow(/unsupported scheme/);
    expect(() => sqliteFilePath("sqlite://:memory:")).toThrow(/sqlite:/);
    expect(() => sqliteFilePath("file::memory:")).toThrow(/database file/);
    expect(() => sqliteFilePath("  ")).toThrow(/empty/);
  });
});
