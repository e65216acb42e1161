// The one step of the configuration that touches the file system: every file
// a setting names is read (and stat'ed) here, before the settings are parsed
// (config.ts), which then only looks at what was read. The URL file first (the
// URL names the TLS files), then the TLS files, given or at libpq's default
// locations (a default counts only where a file is).
import { readFileSync, statSync } from 'node:fs';
import {
  connectionUrl, parseConnection, parsePass, tlsChoice, tlsPaths, urlSource, type ConfigFiles, type ConnectionConfig, type FileRead, type PassConfig,
} from './config.js';
import { codeOf } from './error-code.js';
import { checkClientCertificate } from './tls.js';

function read(path: string): FileRead {
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return { error: stats.isDirectory() ? 'EISDIR' : 'not a file', isFile: false };
    return { text: readFileSync(path, 'utf8'), isFile: true, mode: stats.mode, uid: stats.uid };
  } catch (error) {
    return { error: codeOf(error) || String(error), isFile: false };
  }
}

type Env = Record<string, string | undefined>;

/** Every file the connection settings of `raw` and `env` name, read. */
function readConfigFiles(raw: Record<string, unknown>, env: Env): ConfigFiles {
  const files = new Map<string, FileRead>();
  const source = urlSource(raw, env);
  if (source !== undefined && 'urlFile' in source) files.set(source.urlFile, read(source.urlFile));
  for (const path of tlsPaths(tlsChoice(connectionUrl(source, files), env))) files.set(path, read(path));
  return files;
}

/** Settings parsed by `parse`: their files read first, then the client certificate checked against its key. */
function load<T extends ConnectionConfig>(raw: Record<string, unknown>, env: Env, parse: (raw: Record<string, unknown>, env: Env, files: ConfigFiles) => T): T {
  const config = parse(raw, env, readConfigFiles(raw, env));
  checkClientCertificate(config.tls);
  return config;
}

/** The connection settings of a command. */
export const loadConnection = (raw: Record<string, unknown>, env: Env): ConnectionConfig => load(raw, env, parseConnection);

/** The pass's settings, its connection's included. */
export const loadPass = (raw: Record<string, unknown>, env: Env): PassConfig => load(raw, env, parsePass);
