/**
 * The hub's public HTTP API, as far as the console needs it: the development login, the case
 * list (newest first, or longest waiting first), one case's record, a case's event log, the
 * team's directory of people and the supervisors' review queue. Refusals become `CaseroomError`s
 * with the hub's code and message.
 */
import { CaseroomError, type Approval, type CaseEvent, type CaseRecord, type Ownership, type TeamMember } from '@caseroom/client';

export interface Identity {
  userId: string;
  name: string;
  role: string;
  team: string;
  /** labels what this person writes to customers ("Sam · Shipping") */
  department?: string;
}

export interface NewCase {
  id?: string;
  subject: string;
  customer?: { name: string; channel: string };
}

async function call<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch {
    throw new CaseroomError('not_connected', 'The hub cannot be reached; check your connection');
  }
  const body = (await response.json().catch(() => null)) as ({ ok: boolean; error?: { code: string; message: string } } & T) | null;
  if (!body) throw new CaseroomError('internal_error', `The hub answered ${response.status} without a readable body`);
  if (!body.ok) throw CaseroomError.fromWire(body.error as Parameters<typeof CaseroomError.fromWire>[0]);
  return body;
}

export async function devLogin(who: {
  name: string;
  role: string;
  team: string;
  department?: string;
}): Promise<{ token: string; identity: Identity }> {
  return call('/api/dev/login', { method: 'POST', body: JSON.stringify(who) });
}

/** Who `token` belongs to, as the hub reads it (refused when invalid or expired). */
export async function whoAmI(token: string): Promise<Identity> {
  const { identity } = await call<{ identity: Identity }>('/api/me', { token });
  return identity;
}

/** The HTTP API on behalf of one signed-in person. */
export class HubApi {
  constructor(private readonly token: string) {}

  /**
   * The team's cases with that status, each with its current owner (or null): newest first, or
   * (`waiting`) only those whose customer waits for an answer, longest wait first.
   */
  async listCases(
    status: 'open' | 'resolved',
    sort: 'created' | 'waiting' = 'created',
  ): Promise<Array<{ record: CaseRecord; owner: Ownership['owner'] }>> {
    const { cases, owners } = await call<{ cases: CaseRecord[]; owners: Record<string, Ownership['owner']> }>(
      `/api/cases?status=${status}&sort=${sort}&limit=50`,
      { token: this.token },
    );
    return cases.map((record) => ({ record, owner: owners[record.id] ?? null }));
  }

  async createCase(input: NewCase): Promise<CaseRecord> {
    const { case: record } = await call<{ case: CaseRecord }>('/api/cases', {
      method: 'POST',
      body: JSON.stringify(input),
      token: this.token,
    });
    return record;
  }

  /** One case's record (its subject, customer, team and status). */
  async caseRecord(id: string): Promise<CaseRecord> {
    const { case: record } = await call<{ case: CaseRecord }>(`/api/cases/${encodeURIComponent(id)}`, { token: this.token });
    return record;
  }

  /** Everyone of `team` who has signed in, by name. */
  async people(team: string): Promise<TeamMember[]> {
    const { people } = await call<{ people: TeamMember[] }>(`/api/people?team=${encodeURIComponent(team)}`, { token: this.token });
    return people;
  }

  /** Events after `after` (a per-case seq), oldest first; `nextAfter` is null on the last page. */
  async events(caseId: string, after: number): Promise<{ events: CaseEvent[]; nextAfter: number | null }> {
    return call(`/api/cases/${encodeURIComponent(caseId)}/events?after=${after}&limit=100`, { token: this.token });
  }

  /** Decided requests of the team, oldest first; `reviewed: false` is the review queue. */
  async reviews(team: string, reviewed: boolean): Promise<Approval[]> {
    const { reviews } = await call<{ reviews: Approval[] }>(
      `/api/reviews?team=${encodeURIComponent(team)}&reviewed=${reviewed}&limit=100`,
      { token: this.token },
    );
    return reviews;
  }

  /** A supervisor's verdict on a decided request: the decision is upheld or corrected, with a note. */
  async review(id: string, verdict: 'upheld' | 'corrected', note: string): Promise<Approval> {
    const { approval } = await call<{ approval: Approval }>(`/api/reviews/${encodeURIComponent(id)}`, {
      method: 'POST',
      body: JSON.stringify({ verdict, note }),
      token: this.token,
    });
    return approval;
  }
}
