-- R1, R2: devicecode matches a device when CAST(devicecode AS int) would succeed
-- and equals its code. Junk (letters, empty, out of int4 range) gives NULL,
-- never an error. The regular expression is a fast path that needs no
-- subtransaction; anything else is tried with the server's own cast, so the
-- rule is exactly "would the cast succeed on this server".
-- baseline: function analyzer_code_to_int(text)
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
