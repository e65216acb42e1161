// Loaded rows travel packed: a load query returns its rows as text, fields
// joined by ',' and rows by ';' (NULL is an empty field), in parts of at most
// 65,536 ids each. postgres.js would make a string and a buffer slice of every
// value of every row; reading the numbers straight from one string costs the
// process less than half, and the server formats no more than before.
// A reader that reads more or fewer fields than the query sends is an error
// naming both widths (never a made-up NULL, 0 or the next row's field).

/** A row's fields, in the order the query concatenates them. */
export class PackedReader {
  private at = 0;
  /** Where the current row starts. */
  private rowStart = 0;
  /** The last field read ended its row (a ';', or the end of the text): reading another is an error. */
  private ended = false;

  constructor(private readonly text: string, private readonly what: string) {}

  get done(): boolean {
    return this.at >= this.text.length;
  }

  /** Starts the next row; returns where it starts (its first field, the row's id, names it in errors). */
  beginRow(): number {
    this.ended = false;
    this.rowStart = this.at;
    return this.at;
  }

  /** True when the last field read ended its row (a ';', or the end of the text). */
  get atRowEnd(): boolean {
    return this.ended;
  }

  /** The fields of the current row (for error messages). */
  get rowWidth(): number {
    return this.fieldsBefore(this.text.length + 1);
  }

  /** The fields of the current row read so far (for error messages). */
  get fieldsRead(): number {
    return this.fieldsBefore(this.at);
  }

  /** Fields of the current row that end before `limit`. */
  private fieldsBefore(limit: number): number {
    let fields = 0;
    const end = Math.min(limit, this.text.length + 1);
    for (let i = this.rowStart; i < end; i++) {
      const c = this.text.charCodeAt(i); // NaN past the end: the end ends the last field
      if (c === 44 || c === 59 || i === this.text.length) fields++;
      if (c === 59) break;
    }
    return fields;
  }

  /** The next field: NULL, an integer, or a value PostgreSQL printed otherwise (`Infinity`, `1.7e+15`). */
  number(): number | null {
    // a field past the row's end would be the next row's first (or, at the end of the text, a made-up NULL)
    if (this.ended) throw this.fewerFields();
    const text = this.text;
    const length = text.length; // never read past it: optimised code would be thrown away
    const start = this.at;
    let i = start;
    let value = 0;
    let next = 59; // what ends the field: the end of the text ends the row as a ';' does
    const negative = i < length && text.charCodeAt(i) === 45; // '-'
    if (negative) i++;
    for (; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) {
        next = c;
        break;
      }
      value = value * 10 + (c - 48);
    }
    if ((next === 44 || next === 59) && value <= Number.MAX_SAFE_INTEGER) {
      this.at = i + 1;
      this.ended = next === 59;
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
    this.ended = end === length || text.charCodeAt(end) === 59;
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

  private fewerFields(): Error {
    const width = this.rowWidth;
    return new Error(`the packed rows of ${this.what} have fewer fields than read: a row has ${width}, field ${width + 1} was read (the query and its reader disagree)`);
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
      const start = reader.beginRow();
      try {
        rows.push(read(reader));
        if (!reader.atRowEnd) throw new Error(`the packed rows of ${what} have more fields than read: a row has ${reader.rowWidth}, ${reader.fieldsRead} were read (the query and its reader disagree)`);
      } catch (error) {
        throw new RowError(`${what} row ${reader.firstField(start)}: ${(error as Error).message}`);
      }
    }
  }
  return rows;
}
