-- Pending wraps of a chunk (partial: status = 0 rows only).
-- baseline: index polycomm_suitcase_pending_device_idx
create index concurrently if not exists polycomm_suitcase_pending_device_idx
  on polycomm_suitcase (device_id) where status = 0;
