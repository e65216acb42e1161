// The write statement ships every column as an array literal it builds itself
// (src/sql/array-literal.ts): each must reach PostgreSQL as exactly the values
// it was built from, through the product's own connection settings.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/infra/db.js';
import { booleanArray, numberArray, textArray } from '../../src/sql/array-literal.js';
import { createProductDatabase, type ProductDb } from '../harness/db.js';

let sql: Sql;

/** The elements PostgreSQL parsed from a literal, one row each (a row's NULL reads as null). */
async function elements<T>(literal: string, type: 'int8' | 'bool' | 'text'): Promise<T[]> {
  const array = type === 'int8' ? sql`${literal}::int8[]` : type === 'bool' ? sql`${literal}::bool[]` : sql`${literal}::text[]`;
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

  it('texts keep spaces, commas, braces, quotes, backslashes, the word NULL and the empty string', async () => {
    const values = ['2026-01-10 12:00:00.5', 'a,b', '{x}', 'say "hi"', 'back\\slash', 'NULL', '', ' padded ', 'ё'];
    expect(await elements(textArray(values), 'text')).toEqual(values);
  });

  it('property: any strings and integers round-trip', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000')), { maxLength: 20 }),
      fc.array(fc.option(fc.integer(), { nil: null }), { maxLength: 20 }),
      async (texts, numbers) => {
        expect(await elements(textArray(texts), 'text')).toEqual(texts);
        expect(await elements(numberArray(numbers), 'int8')).toEqual(numbers);
      }), { numRuns: 50 });
  });
});
