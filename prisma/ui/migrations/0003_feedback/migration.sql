-- CreateTable
CREATE TABLE "alert_feedback" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "alert_id" INTEGER NOT NULL,
    "profile" TEXT NOT NULL,
    "verdict" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT
);

-- CreateTable
CREATE TABLE "profile_adjustments" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "profile_id" INTEGER NOT NULL,
    "field" TEXT NOT NULL,
    "from" REAL NOT NULL,
    "to" REAL NOT NULL,
    "reason" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reverted_at" DATETIME,
    CONSTRAINT "profile_adjustments_profile_id_fkey" FOREIGN KEY ("profile_id") REFERENCES "profiles" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "alert_feedback_alert_id_key" ON "alert_feedback"("alert_id");

-- CreateIndex
CREATE INDEX "alert_feedback_profile_at_idx" ON "alert_feedback"("profile", "at");

-- CreateIndex
CREATE INDEX "profile_adjustments_profile_id_at_idx" ON "profile_adjustments"("profile_id", "at");
