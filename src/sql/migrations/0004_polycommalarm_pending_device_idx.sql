-- Pending alarms of a chunk. Partial: only status = 0 rows, so it stays small
-- however large the processed history grows. Built CONCURRENTLY: the device
-- feed keeps inserting meanwhile (docs/migrations.md).
-- baseline: index polycommalarm_pending_device_idx
create index concurrently if not exists polycommalarm_pending_device_idx
  on polycommalarm (device) where status = 0;
