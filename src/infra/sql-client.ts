// The type of the database client every SQL module takes: postgres.js with
// bigint read as number and timestamps as zone-free text (db.ts sets them up).
import type postgres from 'postgres';

export type Sql = postgres.Sql<Record<string, never>>;
