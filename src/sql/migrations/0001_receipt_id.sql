-- R17: the receipt that paid a wrap. Adding a nullable column without a
-- default changes only the catalog, but it needs an ACCESS EXCLUSIVE lock on
-- polycomm_suitcase for that instant: migrate takes it under a short
-- lock_timeout and retries (docs/migrations.md).
-- baseline: column polycomm_suitcase.receipt_id
alter table polycomm_suitcase add column if not exists receipt_id bigint;
