-- polycomm-analyzer: the database contract (docs/schema.md).
-- Loaded by the PostgreSQL container (/docker-entrypoint-initdb.d) and by the
-- test harness, so there is one schema. Legacy tables first, exactly as the
-- other systems (device ingestion, fiscal feed, monitoring UI) know them.

create table if not exists polycomm_device (
  id    integer primary key,
  title text,
  code  integer unique
);

-- devicecode is text and may hold junk (R1).
create table if not exists timestamps (
  devicecode         varchar,
  ready              boolean,
  status_type_device integer
);

create table if not exists polycomm_alarm_type (
  id    integer primary key,
  title text
);

create table if not exists polycomm_issue_type (
  id    integer primary key,
  code  text,
  title text
);

create table if not exists polycommalarm (
  polycommalarm_id bigint primary key,
  device           integer,
  alarmtype        integer,
  localdate        timestamp,
  date             timestamp,
  status           integer default 0
);

create table if not exists polycommissue (
  polycommissue_id bigserial primary key,
  id               bigint,
  device           integer,
  type             integer,
  suitcase         bigint,
  total            integer,
  duration         integer,
  localdate        timestamp,
  date             timestamp,
  createtime       timestamp,
  status           integer default 0
);

create table if not exists receipts (
  receipt_id            bigint primary key,
  devicecode            varchar,
  dateclose             timestamp,
  dateclosemoscow       timestamp,
  quantitypackageone    integer,
  quantitypackagedouble integer,
  status                integer default 0
);

create table if not exists polycomm_suitcase (
  id            bigserial primary key,
  device_id     integer,
  polycom_id    bigint,
  totalid       integer,
  dateini_local timestamp,
  local_date    timestamp,
  date          timestamp,
  duration      integer,
  package_type  integer,
  status        integer default 0,
  csp           boolean,
  unpaid        boolean,
  to_account    boolean,
  in_task       boolean
);

create table if not exists task (
  id         bigserial primary key,
  date       timestamp,
  local_date timestamp,
  device_id  integer,
  type       integer,
  status     integer default 0,
  resolved   boolean default false,
  createtime timestamp default now()
);

create table if not exists task_to_event (
  id           bigserial primary key,
  task_id      bigint,
  event_id     bigint,
  table_name   text,
  ord          integer,
  parent_id    bigint,
  created_date timestamp default now()
);
