-- Dictionaries. Issue types 7, 8 and 9 are the analyzer's own (R13, R14).
insert into polycomm_alarm_type (id, title) values
  (1, 'Film ran out'),
  (2, 'Emergency stop'),
  (3, 'Motor overload'),
  (4, 'Door open'),
  (5, 'Power failure')
on conflict (id) do nothing;

insert into polycomm_issue_type (id, code, title) values
  (1, 'ROTATION', 'Rotation without wrapping'),
  (2, 'SHORT', 'Wrap shorter than expected'),
  (3, 'LONG', 'Wrap longer than expected'),
  (4, 'FILM', 'Film consumption anomaly'),
  (7, 'UNPAID', 'Unpaid wrap'),
  (8, 'DOUBLE_AS_SINGLE', 'Double wrap paid as single'),
  (9, 'SINGLE_AS_DOUBLE', 'Single wrap paid as double')
on conflict (id) do nothing;
