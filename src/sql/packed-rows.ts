// Loaded rows travel packed: a load query returns its rows as text, fields
// joined by ',' and rows by ';' (NULL is an empty field), in parts of at most
// 65,536 ids each. postgres.js would make a string and a buffer slice of every
// value of every row; reading the numbers straight from one string costs the
// process less than half, and the server formats no more than before.

/** A row's fields, in the order the query concatenates them. */
export class PackedReader {
  private at = 0;

  constructor(private readonly text: string, private readonly what: string) {}

  get done(): boolean {
    return this.at >= this.text.length;
  }

  /** True when the last field read ended its row (a ';', or the end of the text). */
  get atRowEnd(): boolean {
    return this.at > this.text.length || this.text.charCodeAt(this.at - 1) === 59;
  }

  /** The next field: NULL, an integer, or a value PostgreSQL printed otherwise (`Infinity`, `1.7e+15`). */
  number(): number | null {
    const text = this.text;
    const length = text.length; // never read past it: optimised code would be thrown away
    const start = this.at;
    let i = start;
    let value = 0;
    const negative = i < length && text.charCodeAt(i) === 45; // '-'
    if (negative) i++;
    for (; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    if ((i === length || isSeparator(text.charCodeAt(i))) && value <= Number.MAX_SAFE_INTEGER) {
      this.at = i + 1;
      if (i === start) return null;
      if (negative && i === start + 1) throw this.malformed(start, i);
      return negative ? -value : value;
    }
    // anything unusual goes through Number(): exactly what the row-by-row load did
    const end = this.fieldEnd(i);
    const field = text.slice(start, end);
    const parsed = Number(field);
    if (Number.isNaN(parsed) && field !== 'NaN') throw this.malformed(start, end);
    this.at = end + 1;
    return parsed;
  }

  /** The next field of a `bigint` column: NULL or exact (a value beyond 2^53 would be silently rounded). */
  bigint(): number | null {
    const start = this.at;
    const value = this.number();
    if (value !== null && !Number.isSafeInteger(value)) {
      throw new Error(`bigint ${this.text.slice(start, this.at - 1)} in ${this.what} is beyond 2^53 and cannot be handled exactly`);
    }
    return value;
  }

  /** The next field as an id: a `bigint` that is never NULL. */
  id(): number {
    const start = this.at;
    const value = this.bigint();
    if (value === null) throw this.malformed(start, start);
    return value;
  }

  /** Where the current row starts: its first field (the row's id) names it in errors. */
  get position(): number {
    return this.at;
  }

  /** The first field of the row starting at `start`. */
  firstField(start: number): string {
    return this.text.slice(start, this.fieldEnd(start));
  }

  /** Where the field around `from` ends: its separator, or the end of the text. */
  private fieldEnd(from: number): number {
    let end = from;
    while (end < this.text.length && !isSeparator(this.text.charCodeAt(end))) end++;
    return end;
  }

  private malformed(start: number, end: number): Error {
    return new Error(`unexpected field ${JSON.stringify(this.text.slice(start, end + 1))} in the packed rows of ${this.what}`);
  }
}

const isSeparator = (c: number) => c === 44 || c === 59; // ',' ';'

/** A loaded row the process cannot represent exactly (or a malformed result): names the table and the row. */
export class RowError extends Error {}

/** Reads every part a packed query returned, `read` taking one row's fields at a time. */
export function unpack<T>(parts: readonly { packed: string }[], what: string, read: (row: PackedReader) => T): T[] {
  const rows: T[] = [];
  for (const part of parts) {
    const reader = new PackedReader(part.packed, what);
    while (!reader.done) {
      const start = reader.position;
      try {
        rows.push(read(reader));
        if (!reader.atRowEnd) throw new Error(`the packed rows of ${what} have more fields than read`);
      } catch (error) {
        throw new RowError(`${what} row ${reader.firstField(start)}: ${(error as Error).message}`);
      }
    }
  }
  return rows;
}
