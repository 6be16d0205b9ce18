import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  authKeyFrom,
  pyrogramSessionFile,
  rawFile,
  telethonSessionFile,
  telethonV2SessionFile,
} from "../testing/session-files.ts";
import { SessionFileError } from "./session-file.ts";
import { readSessionFile } from "./session-reader.ts";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "session-reader-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function rejection(file: string): SessionFileError {
  try {
    readSessionFile(file);
  } catch (err) {
    expect(err).toBeInstanceOf(SessionFileError);
    return err as SessionFileError;
  }
  throw new Error(`${path.basename(file)} was accepted`);
}

describe("readSessionFile", () => {
  it("reads dc, address, port and the 256-byte key of a Telethon v1 file", () => {
    const key = authKeyFrom("v1");
    const file = telethonSessionFile(dir, "v1.session", {
      dcId: 4,
      serverAddress: "149.154.167.91",
      port: 443,
      authKey: key,
    });
    const login = readSessionFile(file);
    expect(login).toMatchObject({ format: "telethon", dcId: 4, serverAddress: "149.154.167.91", port: 443 });
    expect(login.authKey.equals(key)).toBe(true);
  });

  it("reads an old Telethon file without takeout_id and an IPv6 address", () => {
    const file = telethonSessionFile(dir, "old.session", {
      withTakeoutId: false,
      serverAddress: "2001:67c:4e8:f002::a",
    });
    expect(readSessionFile(file)).toMatchObject({ serverAddress: "2001:67c:4e8:f002::a", dcId: 2 });
  });

  it("reads the home datacenter of a Telethon v2 file, in both address layouts", () => {
    const key = authKeyFrom("v2");
    const file = telethonV2SessionFile(dir, "v2.session", {
      dcId: 5,
      addr: "91.108.56.130:443",
      authKey: key,
    });
    const login = readSessionFile(file);
    expect(login).toMatchObject({
      format: "telethon-v2",
      dcId: 5,
      serverAddress: "91.108.56.130",
      port: 443,
    });
    expect(login.authKey.equals(key)).toBe(true);
    const alpha = telethonV2SessionFile(dir, "v2-alpha.session", {
      dcId: 3,
      addr: "149.154.175.100:443",
      splitAddressColumns: true,
    });
    expect(readSessionFile(alpha)).toMatchObject({ dcId: 3, serverAddress: "149.154.175.100", port: 443 });
  });

  it("converts a production Pyrogram file using the DC address table", () => {
    const key = authKeyFrom("pyro");
    const login = readSessionFile(pyrogramSessionFile(dir, "pyro.session", { dcId: 1, authKey: key }));
    expect(login).toMatchObject({ format: "pyrogram", dcId: 1, serverAddress: "149.154.175.53", port: 443 });
    expect(login.authKey.equals(key)).toBe(true);
  });

  it("refuses a Pyrogram test-server session with its own code", () => {
    const err = rejection(pyrogramSessionFile(dir, "pyro-test.session", { testMode: true }));
    expect(err.code).toBe("PYROGRAM_SESSION_UNSUPPORTED");
    expect(err.message).toMatch(/Pyrogram/);
  });

  it.each([
    ["missing sessions", { omitTables: ["sessions"] }, "Missing required Telethon tables: sessions"],
    [
      "missing both",
      { omitTables: ["sessions", "version"] },
      "Missing required Telethon tables: sessions, version",
    ],
    ["255-byte key", { authKey: authKeyFrom("short", 255) }, "auth_key must be 256 bytes (got 255)"],
    ["empty key", { authKey: Buffer.alloc(0) }, "Session is not logged in (its auth_key is empty)"],
    ["NULL key", { authKey: null }, "Session is not logged in (its auth_key is empty)"],
    ["no rows", { rows: 0 }, "Session is not logged in (the sessions table is empty)"],
    ["two rows", { rows: 2 }, "The sessions table holds 2 rows; expected exactly one"],
    ["dc 0", { dcId: 0 }, "dc_id must be an integer from 1 to 255"],
    ["a host name", { serverAddress: "evil.example.com" }, "server_address must be an IPv4 or IPv6 address"],
    ["port 0", { port: 0 }, "port must be an integer from 1 to 65535"],
    ["port 70000", { port: 70000 }, "port must be an integer from 1 to 65535"],
  ] as const)("refuses a Telethon file with %s", (name, options, message) => {
    const err = rejection(
      telethonSessionFile(dir, `bad-${name.replace(/\W/g, "-")}.session`, { ...options }),
    );
    expect(err.code).toBe("INVALID_SESSION_FILE");
    expect(err.message).toBe(message);
  });

  it("refuses triggers and views on the sessions table without running them", () => {
    const trigger = telethonSessionFile(dir, "trigger.session", {
      extraSql: "create trigger t after insert on sessions begin delete from entities; end;",
    });
    expect(rejection(trigger).message).toBe(
      "Session file defines triggers on the sessions table; refusing to read it",
    );
    const view = telethonSessionFile(dir, "view.session", {
      omitTables: ["sessions"],
      extraSql:
        "create table real_sessions (dc_id integer, server_address text, port integer, auth_key blob);" +
        "create view sessions as select * from real_sessions;",
    });
    expect(rejection(view).reason).toBe("hostile_schema");
  });

  it("refuses non-SQLite, empty, header-only, truncated and padded files", () => {
    const valid = fs.readFileSync(telethonSessionFile(dir, "source.session"));
    expect(rejection(rawFile(dir, "text.session", Buffer.from("hello, this is not a database"))).reason).toBe(
      "not_sqlite",
    );
    expect(rejection(rawFile(dir, "empty.session", Buffer.alloc(0))).reason).toBe("empty");
    expect(rejection(rawFile(dir, "header.session", valid.subarray(0, 100))).reason).toBe("truncated");
    expect(rejection(rawFile(dir, "half.session", valid.subarray(0, valid.length / 2))).reason).toBe(
      "truncated",
    );
    expect(rejection(rawFile(dir, "odd.session", valid.subarray(0, valid.length - 7))).reason).toBe(
      "truncated",
    );
    expect(rejection(rawFile(dir, "padded.session", Buffer.concat([valid, Buffer.alloc(4096)]))).reason).toBe(
      "page_count",
    );
  });

  it("refuses absurd page sizes and a WAL-mode file before SQLite opens them", () => {
    const valid = fs.readFileSync(telethonSessionFile(dir, "geometry.session"));
    const badPage = Buffer.from(valid);
    badPage.writeUInt16BE(1000, 16);
    expect(rejection(rawFile(dir, "pagesize.session", badPage)).reason).toBe("page_size");
    const hugePages = Buffer.from(valid);
    hugePages.writeUInt32BE(0x7fffffff, 28);
    expect(rejection(rawFile(dir, "pagecount.session", hugePages)).reason).toBe("truncated");
    const wal = Buffer.from(valid);
    wal[18] = 2;
    wal[19] = 2;
    const err = rejection(rawFile(dir, "wal.session", wal));
    expect(err.reason).toBe("wal_mode");
    expect(err.message).toMatch(/WAL/);
  });

  it("turns SQLite's own corruption errors into INVALID_SESSION_FILE", () => {
    const valid = fs.readFileSync(telethonSessionFile(dir, "corrupt-src.session"));
    const corrupt = Buffer.from(valid);
    // Scribble over the schema page's b-tree (after the 100-byte header).
    corrupt.fill(0xa5, 100, 4096);
    const err = rejection(rawFile(dir, "corrupt.session", corrupt));
    expect(err.code).toBe("INVALID_SESSION_FILE");
    expect(err.message).not.toMatch(/sqlite_master|SQLITE_/);
  });
});
