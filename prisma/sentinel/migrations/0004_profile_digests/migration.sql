-- AlterTable: profile digest schedules (schedule "profile:<name>:<every>") and the delivery
-- state that keeps a restart from sending a digest twice. Runs stored before keep deliver = false,
-- so none of them is sent again.
ALTER TABLE "digest_runs" ADD COLUMN "profile" TEXT;
ALTER TABLE "digest_runs" ADD COLUMN "deliver" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "digest_runs" ADD COLUMN "delivery_started_at" DATETIME;

-- CreateIndex
CREATE INDEX "digest_runs_schedule_id_idx" ON "digest_runs"("schedule", "id");
