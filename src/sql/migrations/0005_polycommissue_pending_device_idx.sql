-- Pending issues of a chunk (partial: status = 0 rows only).
-- baseline: index polycommissue_pending_device_idx
create index concurrently if not exists polycommissue_pending_device_idx
  on polycommissue (device) where status = 0;
