// PostgreSQL array literals ('{1,2,NULL}') built with one join. postgres.js
// would serialise a JS array element by element through two regular
// expressions, which took ~10% of a pass's CPU; a string passes through it
// untouched, and the statement's cast (`::int8[]`, `::bool[]`, `::text[]`)
// parses it on the server as before.

/** Numbers; NULL is `null` in a plain array and NaN in a Float64Array (the write's columns, src/sql/plan-rows.ts). */
export function numberArray(values: Float64Array | readonly (number | null)[]): string {
  if (values instanceof Float64Array) {
    const text = values.join(',');
    return `{${text.includes('NaN') ? text.replaceAll('NaN', 'NULL') : text}}`;
  }
  if (!values.includes(null)) return `{${values.join(',')}}`;
  return `{${values.map((v) => (v === null ? 'NULL' : v)).join(',')}}`;
}

/** Booleans, or 1 / 0 in a Uint8Array (PostgreSQL reads 1 and 0 as true and false). */
export function booleanArray(values: Uint8Array | readonly boolean[]): string {
  if (values instanceof Uint8Array) return `{${values.join(',')}}`;
  return `{${values.map((v) => (v ? 't' : 'f')).join(',')}}`;
}

/** Every element double-quoted (so spaces, commas and the word NULL stay text), \ and " escaped. */
export function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.includes('\\') || v.includes('"') ? v.replace(/[\\"]/g, '\\$&') : v}"`).join(',')}}`;
}
