/** JWTs for the benchmark's people, signed with the secret the benchmark gives caseroom hubs. */
import { SignJWT } from 'jose';

export type Role = 'agent' | 'specialist' | 'supervisor' | 'bot';

/** `channels`: the channels a connector bot serves (its `channels` claim). */
export function mintToken(
  secret: string,
  userId: string,
  role: Role = 'agent',
  team = 'billing',
  department?: string,
  channels?: string[],
): Promise<string> {
  return new SignJWT({ name: userId, role, team, ...(department === undefined ? {} : { department }), ...(channels ? { channels } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(new TextEncoder().encode(secret));
}
