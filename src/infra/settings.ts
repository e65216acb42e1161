// A setting is read in two steps. Commander owns the sources and their order
// (a flag beats the environment variable, which beats the default) and hands
// over text: the flag's, the variable's or the default's; the texts of a
// repeated flag; true for a flag without a value. A Reader then turns that
// text into a checked value, or a ConfigError naming the setting (exit 2).
// No default is written twice: commander applies the spec's `default`.

export class ConfigError extends Error {}

/** What commander gave for an option (unknown until checked), and the setting's name for messages. */
export type Reader<T> = (given: unknown, name: string) => T;

export interface Setting<T> {
  /** The key in commander's options (the flag in camel case). */
  key: string;
  /** `--chunk-size <devices>` */
  flag: string;
  /** The environment variable; none for a command's own options. */
  env?: string;
  description: string;
  /** The default, as text: commander applies it and --help shows it. */
  default?: string;
  /** The variable is read by the parser, not by commander (a URL and its file exclusive per source; a boolean flag). */
  readsEnvItself?: true;
  read: Reader<T>;
}

/** `CHUNK_SIZE / --chunk-size`, or `--limit` for an option without a variable. */
function nameOf(setting: Pick<Setting<unknown>, 'flag' | 'env'>): string {
  const flag = setting.flag.split(/[\s,]/)[0] ?? setting.flag;
  return setting.env ? `${setting.env} / ${flag}` : flag;
}

/** The setting's checked value from commander's options. */
export function valueOf<T>(raw: Record<string, unknown>, setting: Setting<T>): T {
  return setting.read(raw[setting.key], nameOf(setting));
}

/** The given text, trimmed; undefined when nothing (or an empty variable) was given. */
function textOf(given: unknown, name: string): string | undefined {
  if (given === undefined || given === null) return undefined;
  if (typeof given !== 'string') throw new ConfigError(`invalid ${name}: '${String(given)}' (expected one value)`);
  const text = given.trim();
  return text === '' ? undefined : text;
}

/** A value that must be there (commander gives its default when none was given). */
export const required = <T>(read: (text: string, name: string) => T): Reader<T> => (given, name) => {
  const text = textOf(given, name);
  if (text === undefined) throw new ConfigError(`missing ${name}`);
  return read(text, name);
};

/** A value that may be absent. */
export const optional = <T>(read: (text: string, name: string) => T): Reader<T | undefined> => (given, name) => {
  const text = textOf(given, name);
  return text === undefined ? undefined : read(text, name);
};

/** A flag without a value: set or not. */
export const flag: Reader<boolean> = (given) => given === true;

/** A whole number >= min, written in decimal digits. */
export const wholeNumber = (min: number) => (text: string, name: string): number => {
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new ConfigError(`invalid ${name}: '${text}' (expected a whole number >= ${min})`);
  }
  return Number(text);
};

/** A whole number from min to max, written in decimal digits. */
export const wholeNumberUpTo = (min: number, max: number) => (text: string, name: string): number => {
  const n = wholeNumber(min)(text, name);
  if (n > max) throw new ConfigError(`invalid ${name}: '${text}' (expected a whole number from ${min} to ${max})`);
  return n;
};

/** One of a fixed list of words, case-insensitive. */
export const oneOf = <T extends string>(allowed: readonly T[]) => (text: string, name: string): T => {
  const word = allowed.find((a) => a === text.toLowerCase());
  if (word === undefined) throw new ConfigError(`invalid ${name}: '${text}' (expected one of ${allowed.join(', ')})`);
  return word;
};

/** Text matching a pattern (lower-cased). */
export const matching = (pattern: RegExp, expected: string) => (text: string, name: string): string => {
  const lower = text.toLowerCase();
  if (!pattern.test(lower)) throw new ConfigError(`invalid ${name}: '${lower}' (expected ${expected})`);
  return lower;
};

/** Text as it is. */
export const asText = (text: string): string => text;

/**
 * Ids, as repeated flags (`--device 1 2`, texts) or comma-separated
 * (`DEVICES=1,2`), each checked; undefined when none.
 */
export const idList = (check: (n: number) => boolean, expected: string): Reader<number[] | undefined> => (given, name) => {
  if (given === undefined || given === null) return undefined;
  const texts = Array.isArray(given) ? given : [given];
  const ids = texts.flatMap((item) => String(item).split(',')).map((v) => v.trim()).filter((v) => v !== '').map((item) => {
    const n = Number(item);
    if (!/^\d+$/.test(item) || !Number.isSafeInteger(n) || !check(n)) throw new ConfigError(`invalid ${name}: '${item}' (expected ${expected})`);
    return n;
  });
  return ids.length > 0 ? ids : undefined;
};

/** true/false in the forms people write in an environment file. */
export function booleanText(value: string | undefined, name: string): boolean {
  if (value === undefined) return false;
  const text = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(text)) return false;
  throw new ConfigError(`invalid ${name}: '${value}' (expected true or false)`);
}

/** Options as commander gives them when nothing is given: each setting's default text (for callers other than the command line, such as tests). */
export function defaultsOf(...groups: Record<string, Setting<unknown>>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of groups.flatMap((g) => Object.values(g))) if (spec.default !== undefined) out[spec.key] = spec.default;
  return out;
}
