-- AlterTable: the user's include/exclude override of a chat (PATCH /api/chats/:id)
ALTER TABLE "chats" ADD COLUMN "included_override" BOOLEAN;
ALTER TABLE "chats" ADD COLUMN "included_override_at" DATETIME;

-- RedefineTables: alerts.updated_at (NOT NULL), set to created_at for the alerts already stored
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_alerts" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "chat_id" TEXT NOT NULL,
    "chat_title" TEXT NOT NULL DEFAULT '',
    "message_id" INTEGER NOT NULL,
    "profile" TEXT NOT NULL,
    "score" REAL NOT NULL,
    "reasons" TEXT NOT NULL,
    "text" TEXT NOT NULL DEFAULT '',
    "sender_name" TEXT,
    "link" TEXT,
    "message_date" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_alerts" ("chat_id", "chat_title", "created_at", "id", "link", "message_date", "message_id", "profile", "reasons", "score", "sender_name", "text", "updated_at")
  SELECT "chat_id", "chat_title", "created_at", "id", "link", "message_date", "message_id", "profile", "reasons", "score", "sender_name", "text", "created_at" FROM "alerts";
-- Keep the id sequence where it was, so ids of deleted alerts are never handed out again.
UPDATE "sqlite_sequence" SET "seq" = max("seq", coalesce((SELECT "seq" FROM "sqlite_sequence" WHERE "name" = 'alerts'), 0))
  WHERE "name" = 'new_alerts';
DROP TABLE "alerts";
ALTER TABLE "new_alerts" RENAME TO "alerts";
CREATE INDEX "alerts_created_at_idx" ON "alerts"("created_at");
CREATE INDEX "alerts_updated_at_idx" ON "alerts"("updated_at");
CREATE INDEX "alerts_score_idx" ON "alerts"("score");
CREATE UNIQUE INDEX "alerts_chat_id_message_id_profile_key" ON "alerts"("chat_id", "message_id", "profile");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
