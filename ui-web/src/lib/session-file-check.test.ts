import { describe, expect, it } from "vitest";
import { checkSessionFile, SESSION_FILE_LIMIT_BYTES } from "./session-file-check.ts";

const SQLITE_HEADER = new TextEncoder().encode("SQLite format 3\u0000");

function sqliteFile(name: string, extra = 100): File {
  return new File([SQLITE_HEADER, new Uint8Array(extra)], name);
}

describe("checkSessionFile", () => {
  it("accepts a .session file that starts with the SQLite header", async () => {
    expect(await checkSessionFile(sqliteFile("me.session"))).toBeNull();
  });

  it("refuses a file without the .session extension, naming it", async () => {
    const problem = await checkSessionFile(sqliteFile("me.sqlite"));
    expect(problem?.code).toBe("WRONG_EXTENSION");
    expect(problem?.message).toContain("me.sqlite");
  });

  it("refuses a file that is not SQLite", async () => {
    const problem = await checkSessionFile(new File(["just some text, long enough"], "notes.session"));
    expect(problem?.code).toBe("NOT_SQLITE");
  });

  it("refuses a file one byte over 10 MiB without reading it whole", async () => {
    let sliced: [number | undefined, number | undefined] | null = null;
    const big = {
      name: "big.session",
      size: SESSION_FILE_LIMIT_BYTES + 1,
      slice(start?: number, end?: number) {
        sliced = [start, end];
        return new Blob([SQLITE_HEADER]);
      },
    };
    const problem = await checkSessionFile(big);
    expect(problem?.code).toBe("TOO_LARGE");
    expect(problem?.message).toMatch(/at most 10\.0 MiB/);
    expect(sliced).toBeNull();
  });

  it("accepts a file of exactly 10 MiB and reads only its first 16 bytes", async () => {
    let sliced: [number | undefined, number | undefined] | null = null;
    const edge = {
      name: "edge.session",
      size: SESSION_FILE_LIMIT_BYTES,
      slice(start?: number, end?: number) {
        sliced = [start, end];
        return new Blob([SQLITE_HEADER]);
      },
    };
    expect(await checkSessionFile(edge)).toBeNull();
    expect(sliced).toEqual([0, 16]);
  });

  it("refuses an empty file", async () => {
    expect((await checkSessionFile(new File([], "empty.session")))?.code).toBe("EMPTY");
  });
});
