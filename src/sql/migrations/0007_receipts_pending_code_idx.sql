-- Pending receipts of a chunk's device codes (partial: status = 0 rows only),
-- keyed by the code as CAST(devicecode AS int) reads it (R1).
-- baseline: index receipts_pending_code_idx
create index concurrently if not exists receipts_pending_code_idx
  on receipts (analyzer_code_to_int(devicecode)) where status = 0;
