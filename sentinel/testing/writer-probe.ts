/**
 * Test support: run as a script (`node [flags] sentinel/testing/writer-probe.ts <sentinel.db>`),
 * stores one message through a SqliteWriter and prints the result as JSON. Tests start it the way
 * the launchers do (tsx CLI, `node --import tsx --import preload.ts`, V8 flags).
 */
import { SqliteWriter } from "../db/sqlite-writer.ts";
import { chatMessage } from "./alerting-fixture.ts";

const file = process.argv[2];
if (!file) throw new Error("usage: writer-probe.ts <sentinel.db>");
const writer = new SqliteWriter(file);
try {
  const saved = await writer.saveMessages(
    [chatMessage("-1001", 1, "probe")],
    "2026-03-01T12:00:00.000+00:00",
  );
  process.stdout.write(`${JSON.stringify(saved)}\n`);
} finally {
  await writer.close();
}
