/**
 * Where in a verified token caseroom finds who its bearer is. Identity providers put the same
 * facts under different claims (Keycloak: roles in `realm_access.roles`, a list; Okta: `groups`;
 * Auth0: namespaced URLs), so the claim names are configurable and the role values can be mapped.
 * `mint` writes the claims where `read` looks, so the development login works under any mapping.
 */
import { caseEventTypes, CaseroomError, channelSchema, roles, type Identity, type Role } from '@caseroom/shared';
import type { JWTPayload } from 'jose';
import { z } from 'zod';

/** The claims that hold a person's role, team, display name and department. */
export interface ClaimNames {
  role: string;
  team: string;
  name: string;
  department: string;
}

export const defaultClaimNames: ClaimNames = { role: 'role', team: 'team', name: 'name', department: 'department' };

/**
 * When the role claim is a list holding several caseroom roles (a supervisor whose composite role
 * includes the agent role), the one that allows the most: what the provider granted, no more.
 */
const rolePrecedence: readonly Role[] = ['supervisor', 'agent', 'specialist', 'bot'];

const isRole = (value: string): value is Role => (roles as readonly string[]).includes(value);

const subjectSchema = z.string().min(1).max(200);
const eventsSchema = z.array(z.enum(caseEventTypes)).min(1);
const channelsSchema = z.array(channelSchema).min(1);

/** A claim's value: a literal claim of that name first (Auth0's `https://example.com/role` has dots), else a dotted path. */
export function claimAt(payload: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  let value: unknown = payload;
  for (const segment of name.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

export class IdentityClaims {
  constructor(
    private readonly names: ClaimNames = defaultClaimNames,
    /** the provider's role names, translated to caseroom's; caseroom's own names count as themselves */
    private readonly roleMap: ReadonlyMap<string, Role> = new Map(),
  ) {}

  /** Who a verified token's payload says its bearer is; throws `invalid_token` naming the claim that is wrong. */
  read(payload: JWTPayload): Identity {
    const subject = subjectSchema.safeParse(payload.sub);
    if (!subject.success) throw refusal('sub');
    const identity: Identity = {
      userId: subject.data,
      name: this.text(payload, this.names.name, 200),
      role: this.role(payload),
      team: this.text(payload, this.names.team, 100),
    };
    const department = this.text(payload, this.names.department, 100, { optional: true });
    if (department !== undefined) identity.department = department;
    if (payload.events !== undefined) {
      const events = eventsSchema.safeParse(payload.events);
      if (!events.success) throw refusal('events');
      identity.eventTypes = events.data;
    }
    // A channel connector's channels: only bots bring customers' messages in.
    if (payload.channels !== undefined) {
      const channels = channelsSchema.safeParse(payload.channels);
      if (!channels.success || identity.role !== 'bot') throw refusal('channels');
      identity.channels = channels.data;
    }
    return identity;
  }

  /** The claims (besides `sub` and the registered ones) of a token that `read` turns back into `who`. */
  write(who: Identity): JWTPayload {
    return {
      [this.names.name]: who.name,
      [this.names.role]: who.role,
      [this.names.team]: who.team,
      ...(who.department !== undefined ? { [this.names.department]: who.department } : {}),
      ...(who.eventTypes ? { events: who.eventTypes } : {}),
      ...(who.channels ? { channels: who.channels } : {}),
    };
  }

  private role(payload: JWTPayload): Role {
    const claim = this.names.role;
    const value = claimAt(payload, claim);
    const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
    const granted = new Set<Role>();
    for (const item of values) {
      if (typeof item !== 'string') continue;
      const role = this.roleMap.get(item) ?? (isRole(item) ? item : undefined);
      if (role) granted.add(role);
    }
    const role = rolePrecedence.find((r) => granted.has(r));
    if (!role) {
      const found = value === undefined ? 'is missing' : 'names no caseroom role (agent, specialist, supervisor or bot)';
      throw new CaseroomError('invalid_token', `The token's role claim (${claim}) ${found}`);
    }
    return role;
  }

  /** A short text claim; a list of exactly one text (a `groups` claim with one group) counts as that text. */
  private text(payload: JWTPayload, claim: string, max: number): string;
  private text(payload: JWTPayload, claim: string, max: number, options: { optional: true }): string | undefined;
  private text(payload: JWTPayload, claim: string, max: number, options?: { optional: true }): string | undefined {
    const value = claimAt(payload, claim);
    if (value === undefined && options?.optional) return undefined;
    const text = Array.isArray(value) && value.length === 1 ? value[0] : value;
    if (typeof text !== 'string' || text.length === 0 || text.length > max) throw refusal(claim);
    return text;
  }
}

function refusal(claim: string): CaseroomError {
  return new CaseroomError('invalid_token', `The token's claims are not valid (${claim})`);
}
