/** Who a token says its bearer is. Roles decide what a person may do in a case. */
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
}
