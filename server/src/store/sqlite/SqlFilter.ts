/**
 * The WHERE clause of a SQLite listing, built from optional conditions (an absent value adds
 * nothing), with keyset pagination on (time, id) after a page cursor.
 */
import { cursorKey } from '../cursor.js';

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

  below(column: string, value: number | undefined): this {
    if (value !== undefined) this.add(`${column} < ?`, value);
    return this;
  }

  /** Rows past a page cursor, for listings ordered by (timeColumn, id) in `direction`. */
  pastCursor(timeColumn: string, cursor: string | undefined, direction: 'asc' | 'desc'): this {
    if (cursor === undefined) return this;
    const [time, id] = cursorKey(cursor);
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
