/**
 * The team directory: everyone who has signed in to caseroom, by team, so that a page can show
 * people by name (step assignees, fact authors, owners) also when they are not in the room, and
 * offer them as assignees. Mounted on the authenticated `/api` router.
 */
import { assertMayRead, canAccessTeam, CaseroomError, parsePayload, teamSchema, type Identity, type TeamMember } from '@caseroom/shared';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { PeopleStore } from '../store/PeopleStore.js';
import { identityOf } from './authenticate.js';

const directorySchema = z.object({ team: teamSchema.optional() });

/** What the directory tells of a person: never the claims that narrow a bot's token. */
function teamMember(who: Identity): TeamMember {
  const { userId, name, role, team, department } = who;
  return { userId, name, role, team, ...(department === undefined ? {} : { department }) };
}

export function peopleRoutes(people: Pick<PeopleStore, 'list'>): Router {
  const router = express.Router();

  // A person sees their own team's people; a supervisor any team's. A bot narrowed by an `events`
  // claim needs the people scope (member.* events), as for the room's roster.
  router.get('/people', async (req, res) => {
    const who = identityOf(req);
    assertMayRead(who, 'people');
    const team = parsePayload(directorySchema, req.query).team ?? who.team;
    if (!canAccessTeam(who, team)) throw new CaseroomError('forbidden', `You cannot list the people of team ${team}`);
    res.json({ ok: true, team, people: (await people.list(team)).map(teamMember) });
  });

  return router;
}
