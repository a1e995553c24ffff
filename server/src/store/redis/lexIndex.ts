/**
 * Listings on Redis: sorted sets whose members all score 0 and read as `<time> NUL <id>`, so a
 * lexicographic range walks them in (time, id) order, the order of the SQLite listings, and a page
 * cursor (the last item's time and id) is an exclusive range bound. A listing filtered on several
 * values (e.g. two statuses) reads one index per value and merges them.
 */
import type { Redis } from './connection.js';

/** Below every character of an ISO time or an id, so member order is (time, id) order. */
const separator = '\u0000';

export function lexMember(time: string, id: string): string {
  return `${time}${separator}${id}`;
}

export function idOfMember(member: string): string {
  return member.slice(member.indexOf(separator) + 1);
}

/** Redis compares members bytewise; so must the merge. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export interface LexRange {
  direction: 'asc' | 'desc';
  /** members strictly after this one (in `direction`) */
  after?: string | undefined;
  count: number;
}

/** The first `count` members of the union of `indexes` after the cursor, in order. */
export async function mergedRange(redis: Redis, indexes: readonly string[], range: LexRange): Promise<string[]> {
  const { direction, after, count } = range;
  const limit = { offset: 0, count };
  const replies = await Promise.all(
    indexes.map((key) =>
      direction === 'asc'
        ? redis.zRange(key, after === undefined ? '-' : `(${after}`, '+', { BY: 'LEX', LIMIT: limit })
        : redis.zRange(key, after === undefined ? '+' : `(${after}`, '-', { BY: 'LEX', REV: true, LIMIT: limit }),
    ),
  );
  const merged = replies.flat().sort(byteOrder);
  if (direction === 'desc') merged.reverse();
  return merged.slice(0, count);
}
