-- polycomm-analyzer: seed data for docker compose (integration testing).
-- Loaded by the PostgreSQL container after the schema (01-03) on first start;
-- the test harness's template database leaves it out (file names containing
-- "seed"); tests/ship/seed.test.ts loads it and checks what it produces.
--
-- Four devices, one day (2026-01-15, long past, so every group is old enough
-- for a pass on the real clock, R9), TIMEDELTA_CHECK = 420 s. Groups are
-- at least 19 minutes apart. Expected result (tests/ship/seed.test.ts):
--   receipts pass: tasks by type {1: 2, 2: 2, 3: 1, 4: 7, 5: 3}, 7 of them
--                  resolved (balanced, R10); analyzer issues 7: 2, 8: 1, 9: 1
--   dwr pass:      tasks by type {1: 1, 4: 1, 5: 2}, 2 clean groups
-- and nothing left pending.
--
-- Explicit ids make the data readable; the serial sequences are moved past
-- them at the end so the analyzer's own inserts never collide.

insert into polycomm_device (id, title, code) values
  (1, 'SVO-T1-01 (Moscow time, cash register)',       101),
  (2, 'SVX-01 (Yekaterinburg, Moscow+2, cash register)', 102),
  (3, 'VKO-02 (Moscow time, no cash register)',       103),
  (4, 'OVB-01 (Novosibirsk, Moscow+4, no cash register)', 104);

-- R1: devicecode is text. ' 102 ' matches code 102 (white space allowed);
-- 'SVO-TEST' matches nothing and is logged once as a warning.
insert into timestamps (devicecode, ready, status_type_device) values
  ('101',      true, 1),
  (' 102 ',    true, 1),
  ('103',      true, 2),
  ('104',      true, 2),
  ('SVO-TEST', true, 1);

-- Wraps: local start/finish, Moscow finish (local minus the device's offset).
insert into polycomm_suitcase
  (id, device_id, polycom_id, totalid, dateini_local, local_date, date, duration, package_type) values
  -- device 1, receipts mode, Moscow time
  (101, 1, 500101, 1001, '2026-01-15 10:00:00', '2026-01-15 10:01:30', '2026-01-15 10:01:30',  90, 1), -- G1  §7 ex.1
  (102, 1, 500102, 1002, '2026-01-15 10:30:00', '2026-01-15 10:31:00', '2026-01-15 10:31:00',  60, 1), -- G2  §7 ex.2 (unpaid)
  (103, 1, 500103, 1003, '2026-01-15 10:33:00', '2026-01-15 10:34:00', '2026-01-15 10:34:00',  60, 1), -- G2  §7 ex.2 (paid)
  (104, 1, 500104, 1004, '2026-01-15 11:00:00', '2026-01-15 11:01:00', '2026-01-15 11:01:00',  60, 2), -- G3  §7 ex.3
  (105, 1, 500105, 1005, '2026-01-15 11:30:00', '2026-01-15 11:31:00', '2026-01-15 11:31:00',  60, 1), -- G4  single paid as double
  (106, 1, 500106, 1006, '2026-01-15 12:01:00', '2026-01-15 12:02:00', '2026-01-15 12:02:00',  60, 1), -- G5b §7 ex.5
  (107, 1, 500107, 1007, '2026-01-15 13:30:00', '2026-01-15 13:31:00', '2026-01-15 13:31:00',  60, 1), -- G8  §7 ex.6 (nested alarm)
  (108, 1, 500108, 1008, '2026-01-15 14:00:00', '2026-01-15 14:01:00', '2026-01-15 14:01:00',  60, 1), -- G9  overpaid
  (109, 1, 500109, 1009, '2026-01-15 14:30:00', '2026-01-15 14:32:00', '2026-01-15 14:32:00', 120, 1), -- G10 §7 ex.4
  (110, 1, 500110, 1010, '2026-01-15 15:00:00', '2026-01-15 15:01:00', '2026-01-15 15:01:00',  60, 1), -- G11 mixed
  -- device 2, receipts mode, local = Moscow + 2 h
  (111, 2, 500111, 2001, '2026-01-15 09:00:00', '2026-01-15 09:01:00', '2026-01-15 07:01:00',  60, 1), -- §7 ex.7
  (112, 2, 500112, 2002, '2026-01-15 10:00:00', '2026-01-15 10:02:00', '2026-01-15 08:02:00', 120, 2), -- balanced double
  -- device 3, dwr mode, Moscow time
  (113, 3, 500113, 3001, '2026-01-15 10:00:00', '2026-01-15 10:01:00', '2026-01-15 10:01:00',  60, 1), -- nested issue
  (114, 3, 500114, 3002, '2026-01-15 10:30:00', '2026-01-15 10:31:00', '2026-01-15 10:31:00',  60, 1), -- clean group
  (115, 3, 500115, 3003, '2026-01-15 10:33:00', '2026-01-15 10:34:00', '2026-01-15 10:34:00',  60, 2), -- clean group
  (116, 3, 500116, 3004, '2026-01-15 11:30:00', '2026-01-15 11:31:00', '2026-01-15 11:31:00',  60, 1), -- wrap + alarm
  -- device 4, dwr mode, local = Moscow + 4 h
  (117, 4, 500117, 4001, '2026-01-15 08:00:00', '2026-01-15 08:02:00', '2026-01-15 04:02:00', 120, 2), -- clean group
  (118, 4, 500118, 4002, '2026-01-15 09:00:00', '2026-01-15 09:01:00', '2026-01-15 05:01:00',  60, 1); -- nested alarm + issue

-- Receipts: local close time, Moscow close time, single and double wraps paid.
insert into receipts
  (receipt_id, devicecode, dateclose, dateclosemoscow, quantitypackageone, quantitypackagedouble) values
  (201, '101',   '2026-01-15 10:02:00', '2026-01-15 10:02:00', 1, 0), -- G1  balanced: type 4, resolved
  (202, '101',   '2026-01-15 10:35:00', '2026-01-15 10:35:00', 1, 0), -- G2  pays wrap 103: type 4, issue 7 on 102
  (203, '101',   '2026-01-15 11:02:00', '2026-01-15 11:02:00', 1, 0), -- G3  double paid as single: type 5, issue 8
  (204, '101',   '2026-01-15 11:32:00', '2026-01-15 11:32:00', 0, 1), -- G4  single paid as double: type 5, issue 9
  (205, '101',   '2026-01-15 12:00:00', '2026-01-15 12:00:00', 1, 0), -- G5a receipt alone: type 2, status 2
  (206, '101',   '2026-01-15 12:03:00', '2026-01-15 12:03:00', 1, 0), -- G5b balanced: type 4, resolved
  (207, '101',   '2026-01-15 12:31:00', '2026-01-15 12:31:00', 1, 0), -- G6  receipt + alarm, no wrap: type 3
  (208, '101',   '2026-01-15 14:02:00', '2026-01-15 14:02:00', 2, 0), -- G9  paid for more: type 2, status 2
  (209, '101',   '2026-01-15 14:31:00', '2026-01-15 14:31:00', 1, 0), -- G10 printed mid-wrap, moved after it (R7)
  (210, '101',   '2026-01-15 15:03:00', '2026-01-15 15:03:00', 1, 0), -- G11 with a top-level alarm: type 5, resolved
  (211, ' 102 ', '2026-01-15 10:03:00', '2026-01-15 08:03:00', 0, 1); -- device 2 balanced: type 4, resolved

insert into polycommalarm (polycommalarm_id, device, alarmtype, localdate, date) values
  (301, 1, 1, '2026-01-15 12:30:00', '2026-01-15 12:30:00'), -- G6  top-level, with receipt 207
  (302, 1, 2, '2026-01-15 13:01:00', '2026-01-15 13:01:00'), -- G7  top-level, with issue 401: type 1
  (303, 1, 3, '2026-01-15 13:30:30', '2026-01-15 13:30:30'), -- G8  nested in wrap 107: unfit, type 4
  (304, 1, 4, '2026-01-15 15:02:00', '2026-01-15 15:02:00'), -- G11 top-level
  (305, 2, 1, '2026-01-15 09:20:00', '2026-01-15 07:20:00'), -- device 2, 19 min after wrap 111: type 1 (§7 ex.7)
  (306, 3, 5, '2026-01-15 11:00:00', '2026-01-15 11:00:00'), -- device 3 alone: dwr type 1
  (307, 3, 1, '2026-01-15 11:32:00', '2026-01-15 11:32:00'), -- device 3 after wrap 116: dwr type 5
  (308, 4, 2, '2026-01-15 09:00:20', '2026-01-15 05:00:20'); -- device 4 nested in wrap 118

insert into polycommissue (polycommissue_id, id, device, type, suitcase, total, duration, localdate, date, createtime) values
  (401, 7001, 1, 1, null,   null, null, '2026-01-15 13:00:00', '2026-01-15 13:00:00', '2026-01-15 13:00:00'), -- G7 top-level
  (402, 7002, 3, 2, 500113, 3001,   60, '2026-01-15 10:00:30', '2026-01-15 10:00:30', '2026-01-15 10:00:30'), -- nested in wrap 113: dwr type 4
  (403, 7003, 4, 3, 500118, 4002,   60, '2026-01-15 09:02:00', '2026-01-15 05:02:00', '2026-01-15 05:02:00'); -- device 4 after wrap 118: dwr type 5

select setval(pg_get_serial_sequence('polycomm_suitcase', 'id'), (select max(id) from polycomm_suitcase));
select setval(pg_get_serial_sequence('polycommissue', 'polycommissue_id'), (select max(polycommissue_id) from polycommissue));
