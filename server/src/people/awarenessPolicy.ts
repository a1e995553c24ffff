/**
 * Awareness is for cursors, selections and typing hints. Who someone is, their role and who owns
 * the case come from the server alone, so any awareness field that claims them is dropped, and
 * the `user` field editors use for cursor labels is stamped with the authenticated identity.
 * Editors paint `user.color` and `user.colorLight` into inline styles (y-codemirror.next does), so
 * those pass only as CSS hex colours: a "colour" that smuggles more CSS never reaches a page.
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

/** Cosmetic `user` fields (compared case-insensitively) that editors put into a style attribute. */
const colourFields = new Set(['color', 'colorlight']);
const hexColour = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

function withoutClaims(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !claimedFields.has(key.toLowerCase())));
}

/** The cosmetic fields of a `user` field: none that claims anything, and colours only as hex colours. */
function cosmeticFields(user: unknown): Record<string, unknown> {
  if (typeof user !== 'object' || user === null || Array.isArray(user)) return {};
  return Object.fromEntries(
    Object.entries(withoutClaims(user as Record<string, unknown>)).filter(
      ([key, value]) => !colourFields.has(key.toLowerCase()) || (typeof value === 'string' && hexColour.test(value)),
    ),
  );
}

export function sanitizeAwareness(state: Record<string, unknown>, who: Identity): Record<string, unknown> {
  const clean = withoutClaims(state);
  if (state.user !== undefined) clean.user = { ...cosmeticFields(state.user), id: who.userId, name: who.name };
  return clean;
}
