// The write statement ships every column as an array literal it builds itself
// (src/sql/array-literal.ts): each must reach PostgreSQL as exactly the values
// it was built from, through the product's own connection settings.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/infra/db.js';
import { formatMicros } from '../../src/core/index.js';
import { booleanArray, numberArray, textArray } from '../../src/sql/array-literal.js';
import { createProductDatabase, type ProductDb } from '../harness/db.js';

let sql: Sql;

/** The elements PostgreSQL parsed from a literal, one row each (a row's NULL reads as null). */
async function elements<T>(literal: string, type: 'int8' | 'bool' | 'text' | 'timestamp'): Promise<T[]> {
  const array = type === 'int8' ? sql`${literal}::int8[]` : type === 'bool' ? sql`${literal}::bool[]` : type === 'timestamp' ? sql`${literal}::timestamp[]` : sql`${literal}::text[]`;
  const rows = await sql<{ v: T }[]>`select v from unnest(${array}) with ordinality as u(v, i) order by i`;
  return rows.map((r) => r.v);
}

let product: ProductDb;

beforeAll(async () => {
  product = await createProductDatabase();
  ({ sql } = product);
});

afterAll(async () => {
  await product?.drop();
});

describe('array literals', () => {
  it('numbers, with NULLs and bigint-sized ids, round-trip as int8[]', async () => {
    const values = [1, null, -3, 9007199254740991, 0, null];
    expect(await elements(numberArray(values), 'int8')).toEqual(values);
    expect(await elements(numberArray([]), 'int8')).toEqual([]);
  });

  it('booleans round-trip as bool[]', async () => {
    expect(await elements(booleanArray([true, false, true]), 'bool')).toEqual([true, false, true]);
  });

  it('the write\'s typed columns: float64 numbers with NaN as NULL round-trip as int8[], 1 and 0 as bool[]', async () => {
    const values = [1, null, -3, 9007199254740991, 0, null, 2 ** 40 + 7];
    expect(await elements(numberArray(Float64Array.from(values, (v) => v ?? NaN)), 'int8')).toEqual(values);
    expect(await elements(numberArray(new Float64Array(0)), 'int8')).toEqual([]);
    expect(await elements(booleanArray(Uint8Array.from([1, 0, 1, 1])), 'bool')).toEqual([true, false, true, true]);
    await fc.assert(fc.asyncProperty(fc.array(fc.option(int53, { nil: null }), { maxLength: 20 }), async (numbers) => {
      expect(await elements(numberArray(Float64Array.from(numbers, (v) => v ?? NaN)), 'int8')).toEqual(numbers);
    }), { numRuns: 30 });
  });

  it('texts keep spaces, commas, braces, quotes, backslashes, the word NULL and the empty string', async () => {
    const values = ['2026-01-10 12:00:00.5', 'a,b', '{x}', 'say "hi"', 'back\\slash', 'NULL', '', ' padded ', 'ё'];
    expect(await elements(textArray(values), 'text')).toEqual(values);
  });

  // ids are int8: beyond 32 bits, up to the 2^53 the process handles exactly
  const int53 = fc.oneof(
    fc.integer(),
    fc.maxSafeInteger(),
    fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, -(2 ** 53) + 1),
  );

  it('property: any strings and integers (32-bit and beyond, to 2^53) round-trip', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000')), { maxLength: 20 }),
      fc.array(fc.option(int53, { nil: null }), { maxLength: 20 }),
      async (texts, numbers) => {
        expect(await elements(textArray(texts), 'text')).toEqual(texts);
        expect(await elements(numberArray(numbers), 'int8')).toEqual(numbers);
      }), { numRuns: 50 });
  });

  it('integers beyond 32 bits round-trip exactly as int8[]', async () => {
    const values = [2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 40 + 7, -(2 ** 45) - 3, 2 ** 53 - 1, -(2 ** 53) + 1];
    expect(await elements(numberArray(values), 'int8')).toEqual(values);
  });

  /** The times (micros) PostgreSQL parsed from a ::timestamp[] literal, exactly (extract(epoch) is numeric). */
  async function timestampMicros(literal: string): Promise<number[]> {
    const rows = await sql<{ v: number }[]>`
      select (extract(epoch from v) * 1000000)::int8 as v from unnest(${literal}::timestamp[]) with ordinality as u(v, i) order by i`;
    return rows.map((r) => r.v);
  }

  /** What PostgreSQL prints for a timestamp: the fraction without its trailing zeros. */
  const printed = (text: string) => text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

  it('property: every time the analyzer writes (formatMicros) round-trips as timestamp[] to the microsecond', async () => {
    // the micros a process holds exactly (|m| < 2^53): about 1685 to 2255; before 1970 (negative) included
    const micros = fc.oneof(
      fc.integer({ min: Date.UTC(1700, 0, 1) * 1000, max: Date.UTC(2250, 0, 1) * 1000 }),
      fc.integer({ min: Date.UTC(2020, 0, 1) * 1000, max: Date.UTC(2030, 0, 1) * 1000 }).map((m) => m - (m % 1_000_000)),
      fc.constantFrom(0, -1, 1, -1_000_000, Date.UTC(2024, 1, 29, 23, 59, 59) * 1000 + 999_999, Date.UTC(1900, 1, 28) * 1000),
    );
    await fc.assert(fc.asyncProperty(fc.array(micros, { maxLength: 20 }), async (values) => {
      const texts = values.map((m) => formatMicros(m));
      expect(await timestampMicros(textArray(texts))).toEqual(values);
      // read back through the product's connection (zone-free text): what PostgreSQL prints of the same instant
      expect(await elements(textArray(texts), 'timestamp')).toEqual(texts.map(printed));
    }), { numRuns: 50 });
  });
});
