/**
 * The people plane on the wire: who is in a case room, and who owns the case. The server is the
 * only authority for both; clients render what it announces.
 */
import { z } from 'zod';
import { caseIdSchema } from './cases.js';
import { roles, type Role } from './identity.js';
import { timeSchema } from './wire.js';

export const presenceStatuses = ['active', 'idle', 'away'] as const;
export type PresenceStatus = (typeof presenceStatuses)[number];

/** A user id as tokens carry it (`sub`). */
export const userIdSchema = z.string().min(1).max(200);

export const personSchema = z.strictObject({ userId: z.string(), name: z.string(), role: z.enum(roles) });
export type Person = z.infer<typeof personSchema>;

/** One person in a case room, however many tabs or devices they have open. */
export const rosterMemberSchema = z.strictObject({
  ...personSchema.shape,
  status: z.enum(presenceStatuses),
  /** open connections (tabs, devices) of this person in this case; 0 for a while after the last closed (a reload comes back) */
  connections: z.number().int().nonnegative(),
  /** when this person entered the room */
  since: timeSchema,
});
export type RosterMember = z.infer<typeof rosterMemberSchema>;

export const rosterChangeKinds = ['joined', 'left', 'updated'] as const;
export type RosterChangeKind = (typeof rosterChangeKinds)[number];

/** Everyone in the room, and what changed. */
export const rosterUpdateSchema = z.strictObject({
  members: z.array(rosterMemberSchema),
  change: z.strictObject({ kind: z.enum(rosterChangeKinds), userId: z.string() }),
});
export type RosterUpdate = z.infer<typeof rosterUpdateSchema>;

/**
 * A person of a team's directory (`GET /api/people`): everyone who has signed in, so that people
 * are shown by name also when they are not in the room.
 */
export const teamMemberSchema = z.strictObject({
  ...personSchema.shape,
  team: z.string(),
  /** where in the team the person works (`Shipping`), when their identity provider says */
  department: z.string().optional(),
});
export type TeamMember = z.infer<typeof teamMemberSchema>;

/** Roles that can own a case. Specialists join and help; bots never own. */
export const owningRoles: readonly Role[] = ['agent', 'supervisor'];

export const handoffOfferSchema = z.strictObject({ to: personSchema, by: z.string(), at: timeSchema });
export type HandoffOffer = z.infer<typeof handoffOfferSchema>;

/** The single owner of a case, with the fencing epoch every change bumps. */
export const ownershipSchema = z.strictObject({
  owner: personSchema.nullable(),
  epoch: z.number().int().nonnegative(),
  offer: handoffOfferSchema.nullable(),
});
export type Ownership = z.infer<typeof ownershipSchema>;

export const unowned: Ownership = { owner: null, epoch: 0, offer: null };

export const ownershipChangeKinds = [
  'claimed',
  'handoff_offered',
  'handoff_accepted',
  'handoff_declined',
  'reassigned',
  'released',
] as const;
export type OwnershipChangeKind = (typeof ownershipChangeKinds)[number];

/** What happened, announced with the new ownership. */
export const ownershipChangeSchema = z.strictObject({
  kind: z.enum(ownershipChangeKinds),
  /** who did it */
  by: z.string(),
  /** the owner before (user id) */
  from: z.string().nullable(),
  /** the owner after; for `handoff_offered`, the person offered the case (user ids) */
  to: z.string().nullable(),
  at: timeSchema,
  epoch: z.number().int().nonnegative(),
});
export type OwnershipChange = z.infer<typeof ownershipChangeSchema>;

export const ownerUpdateSchema = z.strictObject({ ownership: ownershipSchema, change: ownershipChangeSchema });
export type OwnerUpdate = z.infer<typeof ownerUpdateSchema>;

/** One line of a case's ownership history: how the owner changed. */
export const ownershipRecordSchema = z.strictObject({
  epoch: z.number().int().nonnegative(),
  how: z.enum(['claim', 'handoff', 'reassign', 'release']),
  from: z.string().nullable(),
  to: z.string().nullable(),
  by: z.string(),
  at: timeSchema,
});
export type OwnershipRecord = z.infer<typeof ownershipRecordSchema>;

/** A request that names a person of a joined case (handoff target, reassignment target). */
export const personRequestSchema = z.strictObject({ caseId: caseIdSchema, userId: userIdSchema });

export const statusRequestSchema = z.strictObject({ caseId: caseIdSchema, status: z.enum(presenceStatuses) });
