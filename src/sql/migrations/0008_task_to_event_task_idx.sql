-- A task's events: the monitoring UI and `analyzer open-tasks`.
-- baseline: index task_to_event_task_idx
create index concurrently if not exists task_to_event_task_idx
  on task_to_event (task_id);
