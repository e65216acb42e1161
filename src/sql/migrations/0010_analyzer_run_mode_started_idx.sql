-- The latest runs of a mode: `analyzer status`.
-- baseline: index analyzer_run_mode_started_idx
create index concurrently if not exists analyzer_run_mode_started_idx
  on analyzer_run (mode, started_at desc);
