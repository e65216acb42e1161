-- When a 'running' row's pass must have ended (its MAX_DURATION, the stop's
-- grace and the time to record its outcome, past its start; NULL: no limit):
-- a later pass marks such a row failed, so a pass killed or cut off from the
-- server is not 'running' forever (docs/poolers.md "A pass always ends").
-- A nullable column without a default: a catalog change under a short lock.
-- baseline: column analyzer_run.expires_at
alter table analyzer_run add column if not exists expires_at timestamptz;
