/** JWTs for the benchmark's people, signed with the secret the benchmark gives caseroom hubs. */
import { SignJWT } from 'jose';

export type Role = 'agent' | 'specialist' | 'supervisor' | 'bot';

export function mintToken(secret: string, userId: string, role: Role = 'agent', team = 'billing', department?: string): Promise<string> {
  return new SignJWT({ name: userId, role, team, ...(department === undefined ? {} : { department }) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(new TextEncoder().encode(secret));
}
