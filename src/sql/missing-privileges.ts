// The privileges of a list (src/shell/privileges.ts) the session's role does
// not have, checked in one statement before a pass writes anything. A
// superuser has all of them. An object that does not exist yet (analyzer_run
// before `migrate`) reads as missing, not as an error.
import type { Sql } from '../infra/db.js';

export interface PrivilegeProbe {
  kind: string;
  privilege: string;
  object: string;
  /** The column of a column-level privilege, the serial column of a sequence, else ''. */
  column: string;
}

/** Indexes (into `probes`) of the missing privileges, and the role they were checked for. */
export async function missingPrivileges(sql: Sql, probes: PrivilegeProbe[]): Promise<{ missing: number[]; role: string }> {
  const rows = await sql<{ n: number; role: string }[]>`
    select p.n::int as n, current_user::text as role
    from unnest(${probes.map((p) => p.kind)}::text[], ${probes.map((p) => p.privilege)}::text[],
                ${probes.map((p) => p.object)}::text[], ${probes.map((p) => p.column)}::text[])
      with ordinality as p(kind, privilege, object, col, n)
    where not coalesce(case
      when p.kind = 'schema' then has_schema_privilege(p.object, p.privilege)
      when p.kind = 'function' then case when to_regprocedure(p.object) is null then false
        else has_function_privilege(to_regprocedure(p.object), p.privilege) end
      when to_regclass(p.object) is null then false
      when p.kind = 'table' then has_table_privilege(to_regclass(p.object), p.privilege)
      when p.kind = 'column' then has_column_privilege(to_regclass(p.object), p.col::name, p.privilege)
      when p.kind = 'sequence' then has_sequence_privilege(pg_get_serial_sequence(p.object, p.col), p.privilege)
    end, false)
    order by p.n`;
  return { missing: rows.map((r) => r.n - 1), role: rows[0]?.role ?? '' };
}
