-- Open tasks by device: `analyzer open-tasks`.
-- baseline: index task_open_idx
create index concurrently if not exists task_open_idx
  on task (device_id) where not resolved;
