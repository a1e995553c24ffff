/**
 * Page cursors, the same on every store: base64url of the sort key of the last item on the
 * previous page, opaque to clients. Listings ordered by (time, id) carry both; a delivery log,
 * ordered by the sequence numbers of its attempts, carries the number.
 */
import { CaseroomError, type Page } from '@caseroom/shared';

/** What a page cursor holds: a listing's (time, id), or a log's sequence number. */
export type PageKey = readonly [time: string, id: string] | number;

function invalidCursor(): CaseroomError {
  return new CaseroomError('invalid_payload', 'The cursor is not valid', { field: 'cursor' });
}

function encode(key: PageKey): string {
  return Buffer.from(JSON.stringify(typeof key === 'number' ? [String(key)] : key)).toString('base64url');
}

function decode(cursor: string, size: number): string[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === size && parts.every((p) => typeof p === 'string')) return parts;
  } catch {
    // fall through to the error below
  }
  throw invalidCursor();
}

/** The (time, id) of the last item of the page before; `invalid_payload` when it is no such cursor. */
export function cursorKey(cursor: string): [time: string, id: string] {
  const [time, id] = decode(cursor, 2) as [string, string];
  return [time, id];
}

/** The sequence number of the last item of the page before; `invalid_payload` when it is no such cursor. */
export function cursorSeq(cursor: string): number {
  const [seq] = decode(cursor, 1) as [string];
  if (!/^[0-9]{1,16}$/.test(seq)) throw invalidCursor();
  return Number(seq);
}

/** Turns `limit + 1` fetched items into a page whose cursor points after the last one kept. */
export function pageOf<T>(fetched: readonly T[], limit: number, keyOf: (item: T) => PageKey): Page<T> {
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: fetched.length > limit && last !== undefined ? encode(keyOf(last)) : null };
}
