/**
 * Load for the backup tests: inserts messages into a sentinel.db in a loop, as ingestion does,
 * until SIGTERM. Each transaction adds a batch and stores the running total in worker_state, so
 * every consistent snapshot has count(messages) equal to worker_state 'load_total'.
 * Automatic checkpoints are off, so every row it writes stays in the -wal file while it runs: a
 * copy of the main database file alone would miss all of them, and only a backup that reads
 * through SQLite sees them. Prints `written <total>` to stdout at most every 20 ms.
 *
 *   node --import tsx deploy/message-writer.ts <sentinel.db>
 */
import Database from "better-sqlite3";

const LOAD_TOTAL_KEY = "load_total";
const BATCH = 5;

const file = process.argv[2];
if (!file) {
  console.error("usage: message-writer.ts <sentinel.db>");
  process.exit(2);
}
const db = new Database(file, { fileMustExist: true, timeout: 10_000 });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("wal_autocheckpoint = 0");
const insert = db.prepare(
  "INSERT INTO messages (chat_id, message_id, sender_name, text, date) VALUES (?, ?, ?, ?, ?)",
);
const record = db.prepare(
  "INSERT INTO worker_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
);
const start = (db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
let total = start;
const body = "market update: ".padEnd(400, "lorem ipsum dolor sit amet ");
const writeBatch = db.transaction(() => {
  for (let i = 0; i < BATCH; i++) {
    total += 1;
    insert.run("-1001234567890", total, "load", `${body} #${total}`, new Date().toISOString());
  }
  record.run(LOAD_TOTAL_KEY, String(total), new Date().toISOString());
});

let stopping = false;
let lastPrint = 0;
process.on("SIGTERM", () => {
  stopping = true;
});
function step(): void {
  if (stopping) {
    db.close();
    process.stdout.write(`written ${total}\nstopped\n`);
    return;
  }
  writeBatch();
  const now = Date.now();
  if (now - lastPrint >= 20) {
    lastPrint = now;
    process.stdout.write(`written ${total}\n`);
  }
  // A steady stream rather than a flat-out loop: the machine is shared with other tests.
  setTimeout(step, 1);
}
step();
