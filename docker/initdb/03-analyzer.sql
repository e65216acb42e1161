-- What polycomm-analyzer adds to the legacy schema. The same statements, one by
-- one, are what `analyzer migrate` applies to a production database
-- (src/sql/migrate.ts); tests/harness/schema.test.ts proves both give the same
-- catalog. Every statement is idempotent.

-- R17: the receipt that paid a wrap.
alter table polycomm_suitcase add column if not exists receipt_id bigint;

-- R1, R2: devicecode matches a device when CAST(devicecode AS int) would succeed
-- and equals its code. Junk (letters, empty, out of int4 range) gives NULL,
-- never an error. The regular expression is a fast path that needs no
-- subtransaction; anything else is tried with the server's own cast, so the
-- rule is exactly "would the cast succeed on this server".
create or replace function analyzer_code_to_int(code text) returns integer
language plpgsql immutable strict parallel safe as $$
begin
  if code ~ '^\s*[-+]?[0-9]{1,9}\s*$' then
    return code::integer;
  end if;
  begin
    return code::integer;
  exception when others then
    return null;
  end;
end
$$;

-- Pending rows by device: partial indexes hold only status = 0 rows, so they
-- stay small however large the processed history grows.
create index if not exists polycommalarm_pending_device_idx
  on polycommalarm (device) where status = 0;
create index if not exists polycommissue_pending_device_idx
  on polycommissue (device) where status = 0;
create index if not exists polycomm_suitcase_pending_device_idx
  on polycomm_suitcase (device_id) where status = 0;
create index if not exists receipts_pending_code_idx
  on receipts (analyzer_code_to_int(devicecode)) where status = 0;

-- The monitoring UI and `analyzer open-tasks` read a task's events.
create index if not exists task_to_event_task_idx on task_to_event (task_id);
create index if not exists task_open_idx on task (device_id) where not resolved;

-- Run history (`analyzer status`).
create table if not exists analyzer_run (
  id          bigserial primary key,
  mode        text not null,
  started_at  timestamptz not null default now(),
  finished_at timestamptz,
  status      text not null default 'running',
  host        text,
  pid         integer,
  version     text,
  report      jsonb,
  error       text
);
create index if not exists analyzer_run_mode_started_idx on analyzer_run (mode, started_at desc);
-- When a 'running' row's pass must have ended (its MAX_DURATION and the time to
-- record its outcome past its start; NULL: no limit): a later pass marks such a
-- row failed, so a pass killed or cut off from the server is not 'running' forever.
alter table analyzer_run add column if not exists expires_at timestamptz;
