import type { Identity } from './identity.js';

/** Case ids are URL- and key-safe so they can appear in paths, room names and store keys. */
export const caseIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const caseStatuses = ['open', 'resolved'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

export interface Customer {
  name: string;
  channel: string;
}

/** A case as the API shows it. */
export interface CaseRecord {
  id: string;
  subject: string;
  team: string;
  status: CaseStatus;
  customer: Customer | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

/** A page of a listing; pass `nextCursor` back as `cursor` for the next page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Whether `who` may open, read and edit a case of `team`. */
export function canAccessTeam(who: Pick<Identity, 'role' | 'team'>, team: string): boolean {
  return who.role === 'supervisor' || who.team === team;
}
