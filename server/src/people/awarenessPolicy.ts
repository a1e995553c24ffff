/**
 * Awareness is for cursors, selections and typing hints. Who someone is, their role and who owns
 * the case come from the server alone, so any awareness field that claims them is dropped, and
 * the `user` field editors use for cursor labels is stamped with the authenticated identity.
 */
import type { Identity } from '@caseroom/shared';

/** Field names (compared case-insensitively) that would claim identity, role or ownership. */
const claimedFields = new Set([
  'userid',
  'id',
  'sub',
  'name',
  'role',
  'roles',
  'team',
  'owner',
  'isowner',
  'ownership',
  'epoch',
  'roster',
  'identity',
  'supervisor',
  'permissions',
]);

function withoutClaims(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !claimedFields.has(key.toLowerCase())));
}

export function sanitizeAwareness(state: Record<string, unknown>, who: Identity): Record<string, unknown> {
  const clean = withoutClaims(state);
  const user = state.user;
  if (user !== undefined) {
    const cosmetic =
      typeof user === 'object' && user !== null && !Array.isArray(user) ? withoutClaims(user as Record<string, unknown>) : {};
    clean.user = { ...cosmetic, id: who.userId, name: who.name };
  }
  return clean;
}
