-- CreateTable
CREATE TABLE "chats" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "title" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "username" TEXT,
    "access_hash" TEXT,
    "included" BOOLEAN NOT NULL DEFAULT true,
    "last_message_id" INTEGER NOT NULL DEFAULT 0,
    "message_count" INTEGER NOT NULL DEFAULT 0,
    "last_message_at" DATETIME,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "messages" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "chat_id" TEXT NOT NULL,
    "message_id" INTEGER NOT NULL,
    "sender_id" TEXT,
    "sender_username" TEXT,
    "sender_name" TEXT,
    "text" TEXT NOT NULL DEFAULT '',
    "date" DATETIME NOT NULL,
    "edit_date" DATETIME,
    "reply_to_msg_id" INTEGER,
    "forward_from" TEXT,
    "link" TEXT,
    "mentions_me" BOOLEAN NOT NULL DEFAULT false,
    "reactions" INTEGER NOT NULL DEFAULT 0,
    "forwards" INTEGER NOT NULL DEFAULT 0,
    "scored_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "alerts" (
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
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "alert_suppressions" (
    "chat_id" TEXT NOT NULL,
    "profile" TEXT NOT NULL,
    "hour" DATETIME NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("chat_id", "profile", "hour")
);

-- CreateTable
CREATE TABLE "profiles" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "definition" TEXT NOT NULL,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "digest_runs" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "trigger" TEXT NOT NULL,
    "schedule" TEXT,
    "since" DATETIME NOT NULL,
    "until" DATETIME NOT NULL,
    "started_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" DATETIME,
    "alert_count" INTEGER NOT NULL DEFAULT 0,
    "content" TEXT NOT NULL DEFAULT '[]',
    "delivered" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT
);

-- CreateTable
CREATE TABLE "session_imports" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "imported_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" TEXT NOT NULL,
    "format" TEXT,
    "size" INTEGER NOT NULL,
    "dc_id" INTEGER,
    "key_fingerprint" TEXT,
    "outcome" TEXT NOT NULL,
    "error_code" TEXT
);

-- CreateTable
CREATE TABLE "worker_state" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updated_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "messages_date_idx" ON "messages"("date");

-- CreateIndex
CREATE UNIQUE INDEX "messages_chat_id_message_id_key" ON "messages"("chat_id", "message_id");

-- CreateIndex
CREATE INDEX "alerts_created_at_idx" ON "alerts"("created_at");

-- CreateIndex
CREATE INDEX "alerts_score_idx" ON "alerts"("score");

-- CreateIndex
CREATE UNIQUE INDEX "alerts_chat_id_message_id_profile_key" ON "alerts"("chat_id", "message_id", "profile");

-- CreateIndex
CREATE INDEX "digest_runs_started_at_idx" ON "digest_runs"("started_at");

