import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SESSION_FILE_MODE, SessionStore, type StoredSession } from "./session-store.ts";

function doc(n: number): StoredSession {
  return {
    format: "tgsentinel-session",
    version: 1,
    session: `1session-string-${n}`,
    dc_id: 2,
    server_address: "149.154.167.51",
    port: 443,
    source_format: "telethon",
    imported_at: new Date(Date.UTC(2025, 0, n)).toISOString(),
    key_fingerprint: `0000000${n}`,
  };
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "session-store-"));
  file = path.join(dir, "data", "tgsentinel.session");
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("SessionStore", () => {
  it("writes the document with mode 0660 whatever the umask, and reads it back", async () => {
    const store = new SessionStore(file);
    const previous = process.umask(0o077);
    try {
      await store.write(doc(1));
    } finally {
      process.umask(previous);
    }
    expect(fs.statSync(file).mode & 0o777).toBe(SESSION_FILE_MODE);
    expect(await store.read()).toEqual(doc(1));
    expect(fs.existsSync(store.backupPath)).toBe(false);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["tgsentinel.session"]);
  });

  it("keeps the previous document intact when the write fails before the rename", async () => {
    await new SessionStore(file).write(doc(1));
    const before = fs.readFileSync(file);
    const failing = new SessionStore(file, {
      beforeRename: () => {
        throw new Error("disk full");
      },
    });
    await expect(failing.write(doc(2))).rejects.toThrow("disk full");
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    // The backup of the old document is there until recovery sees the live file is fine.
    const report = await failing.recover();
    expect(report).toMatchObject({ droppedBackup: true, restoredBackup: false });
    expect(fs.readdirSync(path.dirname(file))).toEqual(["tgsentinel.session"]);
  });

  it("leaves the old session intact when the process is killed between temp write and rename", async () => {
    const store = new SessionStore(file);
    await store.write(doc(1));
    const before = fs.readFileSync(file);
    const script = fileURLToPath(new URL("../testing/crash-during-session-write.ts", import.meta.url));
    const child = spawnSync(process.execPath, ["--import", "tsx", script, file, JSON.stringify(doc(2))], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.signal).toBe("SIGKILL");
    const left = fs.readdirSync(path.dirname(file)).sort();
    expect(left.some((name) => name.startsWith(".tgsentinel.session.tmp-"))).toBe(true);
    expect(fs.readFileSync(file).equals(before)).toBe(true);

    const report = await store.recover();
    expect(report.removedTempFiles).toBe(1);
    expect(await store.read()).toEqual(doc(1));
    expect(fs.readdirSync(path.dirname(file))).toEqual(["tgsentinel.session"]);
  });

  it("restores the backup when the live document is missing or unreadable", async () => {
    const store = new SessionStore(file);
    await store.write(doc(1));
    fs.copyFileSync(file, store.backupPath);
    fs.writeFileSync(file, "{ not json");
    expect((await store.recover()).restoredBackup).toBe(true);
    expect(await store.read()).toEqual(doc(1));
  });

  it("serialises exclusive tasks in call order", async () => {
    const store = new SessionStore(file);
    const order: string[] = [];
    const slow = store.exclusive(async () => {
      await new Promise((r) => setTimeout(r, 30));
      order.push("first");
    });
    const fast = store.exclusive(async () => {
      order.push("second");
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(["first", "second"]);
  });

  it("removes the session and its backup", async () => {
    const store = new SessionStore(file);
    await store.write(doc(1));
    fs.copyFileSync(file, store.backupPath);
    expect(await store.remove()).toBe(true);
    expect(fs.existsSync(file) || fs.existsSync(store.backupPath)).toBe(false);
    expect(await store.remove()).toBe(false);
    expect(await store.read()).toBeNull();
  });
});
