// PostgreSQL array literals ('{1,2,NULL}') built with one join. postgres.js
// would serialise a JS array element by element through two regular
// expressions, which took ~10% of a pass's CPU; a string passes through it
// untouched, and the statement's cast (`::int8[]`, `::bool[]`, `::text[]`)
// parses it on the server as before.

export function numberArray(values: readonly (number | null)[]): string {
  if (!values.includes(null)) return `{${values.join(',')}}`;
  return `{${values.map((v) => (v === null ? 'NULL' : v)).join(',')}}`;
}

export function booleanArray(values: readonly boolean[]): string {
  return `{${values.map((v) => (v ? 't' : 'f')).join(',')}}`;
}

/** Every element double-quoted (so spaces, commas and the word NULL stay text), \ and " escaped. */
export function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.includes('\\') || v.includes('"') ? v.replace(/[\\"]/g, '\\$&') : v}"`).join(',')}}`;
}
