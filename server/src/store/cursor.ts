/** Opaque page cursors: base64url of the sort key of the last item on the previous page. */
import { CaseroomError } from '@caseroom/shared';

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
