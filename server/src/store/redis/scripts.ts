/**
 * The Lua scripts that make the Redis store's writes atomic: a change and the case events that
 * describe it land together or not at all, and compare-and-set (ownership epoch, approval
 * version) is decided inside Redis, so racing hub nodes cannot both win. Keys are built from the
 * prefix passed as ARGV[1] (a single Redis, not Redis Cluster).
 *
 * Events arrive as ARGV triples (caseId, team, JSON without seq) after the script's own arguments;
 * the per-case seq is spliced into the JSON here, so Lua never re-encodes caller data (cjson would
 * turn empty arrays into objects).
 */

const appendEvents = `
local function appendEvents(p, from)
  for i = from, #ARGV, 3 do
    local caseId, team, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    local seq = redis.call('INCR', p .. 'case:' .. caseId .. ':eventseq')
    local payload = '{"seq":' .. seq .. ',' .. string.sub(json, 2)
    local id = redis.call('XADD', p .. 'events', '*', 'e', payload)
    redis.call('XADD', p .. 'events:team:' .. team, id, 'e', payload)
    redis.call('XADD', p .. 'events:case:' .. caseId, id, 'e', payload)
    redis.call('HSET', p .. 'events:case:' .. caseId .. ':ids', seq, id)
  end
end
`;

/** ARGV: prefix, id, team, status, lexMember, record JSON, events… -> 1, or 0 when the id is taken */
export const createCaseScript = `${appendEvents}
local p = ARGV[1]
if redis.call('SET', p .. 'case:' .. ARGV[2], ARGV[6], 'NX') == false then return 0 end
redis.call('ZADD', p .. 'cases:all', 0, ARGV[5])
redis.call('ZADD', p .. 'cases:team:' .. ARGV[3], 0, ARGV[5])
redis.call('ZADD', p .. 'cases:status:' .. ARGV[4], 0, ARGV[5])
redis.call('ZADD', p .. 'cases:team:' .. ARGV[3] .. ':status:' .. ARGV[4], 0, ARGV[5])
appendEvents(p, 7)
return 1`;

/** ARGV: prefix, id, team, oldStatus, newStatus, lexMember, record JSON, events… */
export const setStatusScript = `${appendEvents}
local p = ARGV[1]
if redis.call('EXISTS', p .. 'case:' .. ARGV[2]) == 0 then return 0 end
redis.call('SET', p .. 'case:' .. ARGV[2], ARGV[7])
redis.call('ZREM', p .. 'cases:status:' .. ARGV[4], ARGV[6])
redis.call('ZREM', p .. 'cases:team:' .. ARGV[3] .. ':status:' .. ARGV[4], ARGV[6])
redis.call('ZADD', p .. 'cases:status:' .. ARGV[5], 0, ARGV[6])
redis.call('ZADD', p .. 'cases:team:' .. ARGV[3] .. ':status:' .. ARGV[5], 0, ARGV[6])
appendEvents(p, 8)
return 1`;

/** ARGV: prefix, caseId, expectedEpoch, nextEpoch, ownership JSON, history JSON or '', events… */
export const saveOwnershipScript = `${appendEvents}
local p = ARGV[1]
local key = p .. 'own:' .. ARGV[2]
local epoch = tonumber(redis.call('HGET', key, 'epoch') or '0')
if epoch ~= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', key, 'epoch', ARGV[4], 'state', ARGV[5])
if ARGV[6] ~= '' then redis.call('RPUSH', p .. 'own:' .. ARGV[2] .. ':history', ARGV[6]) end
appendEvents(p, 7)
return 1`;

/** ARGV: prefix, id, caseId, team, lexMember, expiresAtMs, record JSON, events… */
export const createApprovalScript = `${appendEvents}
local p = ARGV[1]
redis.call('HSET', p .. 'approval:' .. ARGV[2], 'version', 1, 'record', ARGV[7])
redis.call('ZADD', p .. 'approvals:all', 0, ARGV[5])
redis.call('ZADD', p .. 'approvals:case:' .. ARGV[3], 0, ARGV[5])
redis.call('ZADD', p .. 'approvals:team:' .. ARGV[4], 0, ARGV[5])
redis.call('ZADD', p .. 'approvals:pending', ARGV[6], ARGV[2])
appendEvents(p, 8)
return 1`;

/** ARGV: prefix, id, expectedVersion, nextVersion, stillPending ('1'/'0'), record JSON, events… */
export const saveApprovalScript = `${appendEvents}
local p = ARGV[1]
local key = p .. 'approval:' .. ARGV[2]
local version = tonumber(redis.call('HGET', key, 'version') or '-1')
if version ~= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', key, 'version', ARGV[4], 'record', ARGV[6])
if ARGV[5] == '0' then redis.call('ZREM', p .. 'approvals:pending', ARGV[2]) end
appendEvents(p, 7)
return 1`;

/** ARGV: prefix, events… */
export const appendEventsScript = `${appendEvents}
appendEvents(ARGV[1], 2)
return 1`;

/** KEYS: seq, log. ARGV: update -> the update's seq. The member is "seq:" + bytes, so equal updates stay distinct. */
export const appendUpdateScript = `
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, seq .. ':' .. ARGV[1])
return seq`;

/** KEYS: snapshot, snapshotSeq, log. ARGV: snapshot, throughSeq. A snapshot never replaces a newer one. */
export const compactScript = `
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) < current then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[2])
return 1`;
