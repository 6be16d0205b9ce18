/**
 * Test support: writes a session document with SessionStore and kills its own process
 * (SIGKILL, no cleanup) between the durable temp write and the rename.
 * Usage: tsx crash-during-session-write.ts <session path> <document JSON>
 */
import { SessionStore, type StoredSession } from "../session/session-store.ts";

const [sessionPath, documentJson] = process.argv.slice(2);
if (!sessionPath || !documentJson) throw new Error("usage: crash-during-session-write.ts <path> <json>");
const store = new SessionStore(sessionPath, {
  beforeRename: () => {
    process.kill(process.pid, "SIGKILL");
    // SIGKILL is asynchronous to the sender; never carry on to the rename meanwhile.
    return new Promise<void>(() => {});
  },
});
await store.write(JSON.parse(documentJson) as StoredSession);
