// R2, R3: the loads return their rows packed into text (src/sql/packed-rows.ts).
// The reader must give exactly the numbers the row-by-row load gave, NULLs
// and ±infinity included, and fail loudly on anything it cannot read.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/infra/db.js';
import { loadPendingAlarms } from '../../src/sql/load-alarms.js';
import { loadPendingReceipts } from '../../src/sql/load-receipts.js';
import { loadPendingWraps } from '../../src/sql/load-wraps.js';
import { unpack, type PackedReader } from '../../src/sql/packed-rows.js';
import { createProductDatabase, device, type ProductDb, type TestDb } from '../harness/db.js';

const fields = (text: string, count: number) => unpack([{ packed: text }], 'test', (row: PackedReader) => Array.from({ length: count }, () => row.number()));

describe('the packed-row reader', () => {
  it('reads integers, negatives, NULLs (empty fields) and rows separated by ;', () => {
    expect(fields('1,-2,,0;3,4,5,', 4)).toEqual([[1, -2, null, 0], [3, 4, 5, null]]);
  });

  it('reads what PostgreSQL prints for unusual values exactly as Number() does', () => {
    expect(fields('Infinity,-Infinity,1.7369442e+15,2.5,NaN', 5)).toEqual([[Infinity, -Infinity, 1736944200000000, 2.5, NaN]]);
    // beyond 2^53 the digit loop would not be exact: Number() rounds as the old load did
    expect(fields('9007199254740993', 1)).toEqual([[Number('9007199254740993')]]);
  });

  it('reads every part of a result', () => {
    const rows = unpack([{ packed: '1,2;3,4' }, { packed: '5,6' }], 'test', (row) => [row.id(), row.number()]);
    expect(rows).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('refuses an id beyond 2^53, a NULL id, a field that is not a number, and rows of another width', () => {
    expect(() => unpack([{ packed: '9007199254740993' }], 'polycomm_suitcase', (row) => row.id())).toThrow(/bigint 9007199254740993 in polycomm_suitcase is beyond 2\^53/);
    expect(() => unpack([{ packed: ',1' }], 'receipts', (row) => [row.id(), row.number()])).toThrow(/receipts/);
    expect(() => fields('1,x', 2)).toThrow(/unexpected field "x/);
    expect(() => fields('-,1', 2)).toThrow(/unexpected field/);
    expect(() => fields('1,2,3;4,5,6', 2)).toThrow(/more fields than read/);
  });

  it('refuses rows with fewer fields than read, naming the widths (no NULL or 0 made up, no field taken from the next row)', () => {
    // mid-text: the 3rd field would have been the next row's id
    expect(() => fields('1,2;3,4', 3)).toThrow('test row 1: the packed rows of test have fewer fields than read: a row has 2, field 3 was read');
    // at the end of the text: the reader made up NULL, then 0
    expect(() => fields('1,2', 3)).toThrow(/row 1: .*fewer fields than read: a row has 2, field 3 was read/);
    expect(() => fields('1,2', 4)).toThrow(/fewer fields than read: a row has 2, field 3 was read/);
    // a short row after good ones is named by its id; an empty last field still counts as a field (NULL)
    expect(() => fields('1,2,3;4,5', 3)).toThrow(/test row 4: .*a row has 2, field 3 was read/);
    expect(fields('1,2,', 3)).toEqual([[1, 2, null]]);
    expect(() => fields('1,2,', 4)).toThrow(/a row has 3, field 4 was read/);
    // through the slow path (a value Number() reads) too, and through id() and bigint()
    expect(() => fields('1,Infinity;2,3', 3)).toThrow(/row 1: .*a row has 2, field 3 was read/);
    expect(() => unpack([{ packed: '7;8' }], 'receipts', (row) => [row.id(), row.id()])).toThrow(/receipts row 7: .*a row has 1, field 2 was read/);
    expect(() => unpack([{ packed: '7' }], 'receipts', (row) => [row.id(), row.bigint()])).toThrow(/receipts row 7: .*a row has 1, field 2 was read/);
    expect(() => fields('1,2,3;4,5,6', 2)).toThrow(/more fields than read: a row has 3, 2 were read/);
  });

  it('property: a reader of the rows\' width reads them exactly; any other width is an error naming both', () => {
    const cell = fc.option(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), { nil: null });
    fc.assert(fc.property(
      // every row starts with its id, never NULL (as the loads' rows do)
      fc.integer({ min: 1, max: 8 }).chain((width) => fc.tuple(fc.constant(width), fc.array(
        fc.tuple(fc.nat(), fc.array(cell, { minLength: width - 1, maxLength: width - 1 })).map(([id, rest]) => [id, ...rest]), { minLength: 1, maxLength: 10 }))),
      fc.integer({ min: 1, max: 9 }),
      ([width, rows], readWidth) => {
        const text = rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(',')).join(';');
        if (readWidth === width) expect(fields(text, readWidth)).toEqual(rows);
        else if (readWidth > width) expect(() => fields(text, readWidth)).toThrow(`a row has ${width}, field ${width + 1} was read`);
        else expect(() => fields(text, readWidth)).toThrow(`more fields than read: a row has ${width}, ${readWidth} were read`);
      }), { numRuns: 300 });
  });

  it('a nullable bigint column is exact too, and the error names the row by its id', () => {
    const read = (row: PackedReader) => [row.id(), row.bigint()];
    expect(unpack([{ packed: '5,;6,9007199254740991' }], 'polycomm_suitcase', read)).toEqual([[5, null], [6, 9007199254740991]]);
    expect(() => unpack([{ packed: '5,1;7,9007199254740993' }], 'polycomm_suitcase', read))
      .toThrow('polycomm_suitcase row 7: bigint 9007199254740993 in polycomm_suitcase is beyond 2^53 and cannot be handled exactly');
  });
});

let db: TestDb;
let sql: Sql;

let product: ProductDb;

beforeAll(async () => {
  product = await createProductDatabase();
  ({ db, sql } = product);
});

afterAll(async () => {
  await product?.drop();
});

// the row-by-row form the loads used before they were packed: the reference
const micros = (column: string) => sql`(extract(epoch from ${sql(column)}) * 1000000)::float8`;

const timestamp = fc.oneof(
  { weight: 6, arbitrary: fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
    .chain((d) => fc.integer({ min: 0, max: 999 }).map((us) => `${d.toISOString().slice(0, 23)}${String(us).padStart(3, '0')}`)) },
  { weight: 1, arbitrary: fc.constantFrom(null, 'infinity', '-infinity') },
);
const int4 = fc.option(fc.integer({ min: -2147483648, max: 2147483647 }), { nil: null });

describe('packed loads against PostgreSQL (R2, R3)', () => {
  it('property: wraps load with exactly the values of the row-by-row query, across id parts', async () => {
    const d = await device(db.sql, { id: 7101, mode: 'dwr' });
    const row = fc.record({
      id: fc.integer({ min: 1, max: 2 ** 40 }),
      polycomId: fc.option(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), { nil: null }),
      totalid: int4, duration: int4, packageType: int4,
      start: timestamp, finish: timestamp, moscow: timestamp,
    });
    await fc.assert(fc.asyncProperty(fc.uniqueArray(row, { selector: (r) => r.id, maxLength: 30 }), async (rows) => {
      await sql`delete from polycomm_suitcase where device_id = ${d.id}`;
      for (const r of rows) {
        await sql`insert into polycomm_suitcase (id, device_id, polycom_id, totalid, duration, package_type, dateini_local, local_date, date)
                  values (${r.id}, ${d.id}, ${r.polycomId}, ${r.totalid}, ${r.duration}, ${r.packageType}, ${r.start}, ${r.finish}, ${r.moscow})`;
      }
      const reference = await sql`select id, device_id as "deviceId", polycom_id as "polycomId", totalid, duration, package_type as "packageType",
        ${micros('dateini_local')} as start, ${micros('local_date')} as finish, ${micros('date')} as "finishMoscow"
        from polycomm_suitcase where status = 0 and device_id = ${d.id} order by id`;
      const loaded = (await loadPendingWraps(sql, [d.id])).sort((a, b) => a.id - b.id);
      expect(loaded).toEqual(reference.map((r) => ({ ...r })));
    }), { numRuns: 40 });
  });

  it('alarms and receipts load their values, NULL and infinite times included', async () => {
    const d = await device(db.sql, { id: 7102, code: 97102, mode: 'receipts' });
    await sql`insert into polycommalarm (polycommalarm_id, device, localdate, date, status) values
      (71021, ${d.id}, '2026-01-10 12:00:00.123456', null, 0), (71022, ${d.id}, '-infinity', '1969-12-31 23:59:59.5', 0),
      (71023, ${d.id}, '2026-01-10 12:00:00', '2026-01-10 12:00:00', 1)`;
    expect((await loadPendingAlarms(sql, [d.id])).sort((a, b) => a.id - b.id)).toEqual([
      { id: 71021, deviceId: d.id, local: Date.UTC(2026, 0, 10, 12) * 1000 + 123456, moscow: null },
      { id: 71022, deviceId: d.id, local: -Infinity, moscow: -500000 },
    ]);
    await sql`insert into receipts (receipt_id, devicecode, dateclose, dateclosemoscow, quantitypackageone, quantitypackagedouble, status) values
      (71031, ${String(d.code)}, '2026-01-10 12:00:00', 'infinity', 1, null, 0), (71032, ' 97102 ', null, null, -1, 2, 0)`;
    expect((await loadPendingReceipts(sql, [d.code])).sort((a, b) => a.id - b.id)).toEqual([
      { id: 71031, code: d.code, local: Date.UTC(2026, 0, 10, 12) * 1000, moscow: Infinity, single: 1, double: null },
      { id: 71032, code: d.code, local: null, moscow: null, single: -1, double: 2 },
    ]);
  });
});
