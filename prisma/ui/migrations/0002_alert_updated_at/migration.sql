-- AlterTable: the sentinel's updated_at of each cached alert (revisions after message edits)
ALTER TABLE "alerts" ADD COLUMN "updated_at" DATETIME;
