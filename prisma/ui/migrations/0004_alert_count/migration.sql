-- The number of cached alerts, kept in sync_state by triggers so every insert or delete (the
-- alert cache, a bulk load, any future cleanup) moves it in its own transaction. The unfiltered
-- alerts connection reads its totalCount from here instead of counting a large table.
INSERT OR IGNORE INTO "sync_state" ("key", "value", "updated_at")
SELECT 'alerts.count', CAST(count(*) AS TEXT), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') FROM "alerts";

CREATE TRIGGER "alerts_count_after_insert" AFTER INSERT ON "alerts"
BEGIN
  UPDATE "sync_state"
     SET "value" = CAST("value" AS INTEGER) + 1, "updated_at" = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
   WHERE "key" = 'alerts.count';
END;

CREATE TRIGGER "alerts_count_after_delete" AFTER DELETE ON "alerts"
BEGIN
  UPDATE "sync_state"
     SET "value" = CAST("value" AS INTEGER) - 1, "updated_at" = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
   WHERE "key" = 'alerts.count';
END;
