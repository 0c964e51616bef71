-- Notification hygiene (issue 11). Same portable rules as 0001-0005.
--
-- raw_truncated: 1 when `raw` keeps only the start of the body (a rejected
--   body keeps at most 4 KiB, a verified one 64 KiB).
-- content_hash: SHA-256 of what Trustly signed apart from the uuid (method
--   and data), to tell a repeat of a notificationid from a changed one.
-- repeat_of: on a row recorded for a repeat of an already processed
--   notificationid whose signed content differs from the first (flagged,
--   answered as the first, nothing applied): that notificationid. Such a
--   row has no notification_id of its own (that column is the unique key
--   of the first); one row per distinct changed content.
ALTER TABLE notifications ADD COLUMN raw_truncated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN content_hash TEXT;
ALTER TABLE notifications ADD COLUMN repeat_of TEXT;
CREATE UNIQUE INDEX notifications_repeat ON notifications (repeat_of, content_hash);
