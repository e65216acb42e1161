-- Run history (`analyzer status`).
-- baseline: table analyzer_run
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
