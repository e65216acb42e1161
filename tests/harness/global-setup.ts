// vitest global setup for the database projects: one PostgreSQL per test run
// (TEST_DATABASE_URL, or an embedded server in a temp dir), one template
// database holding the schema; each test file clones it in milliseconds.
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedServer } from './embedded.js';
import { loadSchema, withDatabase } from './schema.js';
import { applyGrants, createRoles, dropRoles, rolesFor } from './roles.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test server (database postgres). */
    serverUrl: string;
    /** The template database every test database is created from. */
    templateDatabase: string;
    /** Prefix of every database this run creates. */
    databasePrefix: string;
  }
}

export default async function setup(project: TestProject) {
  let server: EmbeddedServer | undefined;
  const external = process.env.TEST_DATABASE_URL;
  if (!external) server = await startEmbedded();
  const serverUrl = external ?? server!.url;
  const prefix = `polycomm_t${process.pid}_`;
  const template = `${prefix}template`;
  // least privilege (issue 15): the pass and read-only roles, granted in the template
  const roles = rolesFor(prefix);

  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  const stop = async () => {
    try {
      const leftovers = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${prefix + '%'}`;
      for (const { datname } of leftovers) {
        await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${datname} and pid <> pg_backend_pid()`;
        await admin`drop database if exists ${admin(datname)}`;
      }
    } catch {
      // the server may already be gone; an embedded one is removed below anyway
    }
    await admin.end({ timeout: 2 }).catch(() => undefined);
    if (!server) await dropRoles(serverUrl, roles);
    await server?.stop();
  };
  try {
    await admin`create database ${admin(template)}`;
    await loadSchema(withDatabase(serverUrl, template));
    await createRoles(serverUrl, roles);
    await applyGrants(withDatabase(serverUrl, template), roles);
  } catch (error) {
    await stop();
    throw error;
  }
  project.provide('serverUrl', serverUrl);
  project.provide('templateDatabase', template);
  project.provide('databasePrefix', prefix);
  return stop;
}
