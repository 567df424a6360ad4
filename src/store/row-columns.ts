/*
 * Column readers for rows checked by hand. A turn maps a few rows on its way to the model
 * request, and there zod's parse of one session or turn row cost about 20 µs, against 0.3 µs
 * in a tight loop: the server runs a great many different schemas through zod's shared parse
 * functions, so each parse of a row met cold, megamorphic code. Each reader names the record and
 * the column in its error, as a parse failure did.
 */

export type Row = Record<string, unknown>;

/** The row itself, or an error naming the record (`message`, `session`, `turn`). */
export function rowOf(row: unknown, record: string): Row {
  if (row === null || typeof row !== 'object') throw invalidRow(record, 'row');
  return row as Row;
}

export function invalidRow(record: string, column: string): Error {
  return new Error(`A stored ${record} has an invalid ${column}.`);
}

export function stringColumn(row: Row, column: string, record: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw invalidRow(record, column);
  return value;
}

export function nullableStringColumn(row: Row, column: string, record: string): string | null {
  return row[column] === null ? null : stringColumn(row, column, record);
}

/** Postgres returns `bigint` as text; SQLite returns a number (a bigint in its safe-integer mode). */
export function integerColumn(row: Row, column: string, record: string): number {
  const value = row[column];
  const number =
    (typeof value === 'string' && value.trim() !== '') || typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw invalidRow(record, column);
  return number;
}

/** Postgres returns `EXISTS` as a boolean, SQLite as 0 or 1. */
export function flagColumn(row: Row, column: string, record: string): boolean {
  const value = row[column];
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1;
  throw invalidRow(record, column);
}

/** A column of JSON text, parsed. */
export function jsonColumn(row: Row, column: string, record: string): unknown {
  const text = stringColumn(row, column, record);
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRow(record, column);
  }
}

/** One of a fixed set of strings. */
export function oneOfColumn<T extends string>(
  row: Row,
  column: string,
  record: string,
  allowed: ReadonlySet<string>,
): T {
  const value = row[column];
  if (typeof value !== 'string' || !allowed.has(value)) throw invalidRow(record, column);
  return value as T;
}
