/** Opaque page cursors: base64url of the sort key of the last item on the previous page. */
import { CaseroomError, type Page } from '@caseroom/shared';

export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, size: number): string[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === size && parts.every((p) => typeof p === 'string')) return parts;
  } catch {
    // fall through to the error below
  }
  throw new CaseroomError('invalid_payload', 'The cursor is not valid', { field: 'cursor' });
}

/** Turns `limit + 1` fetched items into a page whose cursor points after the last one kept. */
export function pageOf<T>(fetched: T[], limit: number, keyOf: (item: T) => [time: string, id: string]): Page<T> {
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: fetched.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
