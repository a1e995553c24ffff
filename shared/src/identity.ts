/** Who a token says its bearer is. Roles decide what a person may do in a case. */
import { z } from 'zod';
import type { Channel } from './conversation.js';

export const roles = ['agent', 'specialist', 'supervisor', 'bot'] as const;
export type Role = (typeof roles)[number];

/** The claims caseroom reads from a verified JWT. */
export interface Identity {
  /** user id (`sub`) */
  userId: string;
  name: string;
  role: Role;
  team: string;
  /** Where in the team the person works (e.g. `Shipping`), when their identity provider says. */
  department?: string;
  /**
   * From the optional `events` claim (bots): the only event types this token may subscribe to.
   * Absent: every type.
   */
  eventTypes?: string[];
  /**
   * From the optional `channels` claim (bots): the channels this connector brings customers'
   * messages in from and delivers replies to.
   */
  channels?: Channel[];
}

/** A fresh token presented in band: a JWT in its compact form, whose signature the hub checks. */
export const refreshRequestSchema = z.strictObject({ token: z.string().min(1).max(16_384) });

/** When the token now in force expires, counted from the hub's clock: no clock skew to correct. */
export const tokenLifetimeSchema = z.strictObject({
  /** milliseconds until it expires; null: it does not */
  expiresInMs: z.number().nonnegative().nullable(),
});
export type TokenLifetime = z.infer<typeof tokenLifetimeSchema>;
