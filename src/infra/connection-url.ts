// The one reader of a connection URL. postgres://user:password@host:port,host2:port2/database?params
// is libpq's form, multi-host included: the WHATWG URL parser (and
// pg-connection-string, built on it) refuse a host list, so it is read here.
export interface UrlHost {
  host: string;
  /** The port as written ('' when none). */
  port: string;
}

export interface ConnectionUrl {
  user: string;
  /** The password, URI-decoded; undefined when the URL has none. */
  password: string | undefined;
  /** The password as written in the URL (still URI-encoded): what a log line quoting the URL would show. */
  passwordAsWritten: string | undefined;
  hosts: UrlHost[];
  database: string;
  params: URLSearchParams;
}

const URL_SHAPE = /^postgres(?:ql)?:\/\/(?:([^@/?]*)@)?([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/is;

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray '%' is kept as written, as libpq does
  }
}

function readHost(item: string): UrlHost {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(item);
  return { host: decode((match?.[1] ?? item).replace(/^\[(.*)\]$/, '$1')), port: match?.[2] ?? '' };
}

/** The parts of a postgres:// URL; undefined for anything else. */
export function parseConnectionUrl(url: string): ConnectionUrl | undefined {
  const match = URL_SHAPE.exec(url.trim());
  if (!match) return undefined;
  const [, credentials, hostList = '', database = '', query = ''] = match;
  const colon = credentials === undefined ? -1 : credentials.indexOf(':');
  return {
    user: decode(colon < 0 ? credentials ?? '' : credentials!.slice(0, colon)),
    password: colon < 0 ? undefined : decode(credentials!.slice(colon + 1)),
    passwordAsWritten: colon < 0 ? undefined : credentials!.slice(colon + 1),
    hosts: hostList === '' ? [] : hostList.split(',').map(readHost),
    database: decode(database),
    params: new URLSearchParams(query),
  };
}

/** The URL's query parameters (none for an absent or unreadable URL). */
export function urlParams(url: string | undefined): URLSearchParams {
  return (url === undefined ? undefined : parseConnectionUrl(url))?.params ?? new URLSearchParams();
}

/** The password of a connection URL (URI-decoded), if any. */
export function passwordOf(url: string | undefined): string | undefined {
  return url === undefined ? undefined : parseConnectionUrl(url)?.password;
}

/** libpq-only parameters leave the URL: postgres.js would send them to the server as settings. */
const LIBPQ_ONLY = new Set(['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslpassword', 'hostaddr', 'passfile']);

/** The URL as postgres.js should see it: the same, without libpq-only parameters. */
export function postgresJsUrl(url: string | undefined): string | undefined {
  if (url === undefined || !url.includes('?')) return url;
  const params = urlParams(url);
  for (const name of LIBPQ_ONLY) params.delete(name);
  const query = params.toString();
  return url.slice(0, url.indexOf('?')) + (query ? `?${query}` : '');
}
