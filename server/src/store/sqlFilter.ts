/**
 * Small helpers for the SQLite listings: a WHERE clause built from optional conditions (an absent
 * value adds nothing), and keyset pagination on (time, id) with opaque cursors.
 */
import { decodeCursor } from './cursor.js';

type Value = string | number;

export class SqlFilter {
  private readonly clauses: string[] = [];
  readonly params: Value[] = [];

  equals(column: string, value: Value | boolean | undefined): this {
    if (value !== undefined) this.add(`${column} = ?`, typeof value === 'boolean' ? Number(value) : value);
    return this;
  }

  within(column: string, values: readonly Value[] | undefined): this {
    if (values !== undefined) this.add(`${column} IN (${values.map(() => '?').join(', ') || "''"})`, ...values);
    return this;
  }

  /** Rows past a page cursor, for listings ordered by (timeColumn, id) in `direction`. */
  pastCursor(timeColumn: string, cursor: string | undefined, direction: 'asc' | 'desc'): this {
    if (cursor === undefined) return this;
    const [time, id] = decodeCursor(cursor, 2) as [string, string];
    const op = direction === 'asc' ? '>' : '<';
    return this.add(`(${timeColumn} ${op} ? OR (${timeColumn} = ? AND id ${op} ?))`, time, time, id);
  }

  add(clause: string, ...params: Value[]): this {
    this.clauses.push(clause);
    this.params.push(...params);
    return this;
  }

  toString(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}
