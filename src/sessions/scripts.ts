/**
 * The Lua scripts of a hop, registered once per connection (`defineCommand`: EVALSHA, EVAL only
 * when Redis does not know the script yet). Each touches the keys of one hash tag only: one
 * session's, or one phone's, so they run as they are on Redis Cluster.
 */

/**
 * Reads a record's header (see record.ts) and the two cursors a retry is compared with; nil for a
 * record of another version. The answer is cut out only when a retry needs it, and the record goes
 * back whole, for the caller to split: substrings and a table of parts cost Redis more than the
 * bytes they carry.
 */
const PARSE = String.raw`
local function parse(raw)
  local shape, lang, hasPrev, lt, la, lp, phone, at = string.match(raw, '^1(%a)(%a%a)([01]):(%d+):(%d+):(%d+):([^\n]*)\n()')
  if not shape then return nil end
  lt, la, lp = tonumber(lt), tonumber(la), tonumber(lp)
  local a = at + lt
  return { shape = shape, lang = lang, hasPrev = hasPrev, phone = phone, text = string.sub(raw, at, a - 1), prev = string.sub(raw, a + la, a + la + lp - 1), a = a, la = la, raw = raw }
end
local function answerOf(r)
  return string.sub(r.raw, r.a, r.a + r.la - 1)
end
-- What a retry of this text gets, unless the gateway sends only the newest input (then an identical
-- text is a new input): the answer already given to it; for the hop before, which the phone has
-- moved on from, the screen the phone shows now (its own answer is not kept: bytes in every session).
local function stored(r, text, lastOnly)
  if lastOnly == '1' or r.shape == 'l' then return nil end
  if text == r.text then return answerOf(r) end
  if r.hasPrev == '1' and text == r.prev then return answerOf(r) end
  return nil
end
`;

/**
 * `begin` on a session's keys (record, lease, wait) for a hop's text, lease token and ms, phone and
 * lastOnly ('1'/'0'). A retry is answered from the record; otherwise the lease is taken and the
 * session returned.
 */
const BEGIN_FN = String.raw`
local function begin(record, lease, wait, text, token, leaseMs, phone, lastOnly)
  local raw = redis.call('GET', record)
  local r = nil
  if raw then
    r = parse(raw)
    if r then
      if r.phone ~= phone then return { 'foreign' } end
      local answer = stored(r, text, lastOnly)
      if answer then
        if redis.call('GET', wait) == text then redis.call('DEL', wait) end
        return { 'answer', answer }
      end
    end
  end
  if not redis.call('SET', lease, token, 'PX', leaseMs, 'NX') then return { 'busy' } end
  if not raw then return { 'new' } end
  if not r then return { 'unreadable' } end
  -- The wait note last: absent, it is nil (false in the embedded Redis), which ends no list.
  return { 'session', raw, redis.call('GET', wait) }
end
`;

/** KEYS: record, lease, wait. ARGV: text, token, lease ms, phone, lastOnly ('1'/'0'). */
export const BEGIN = `${PARSE}${BEGIN_FN}
return begin(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
`;

/**
 * Saves a session on its keys (record, lease, wait): the lease token, the record, its ttl in
 * seconds, whether to clear the wait note ('1'/'0') and its text. Writes only while the lease is
 * ours (or expired with no other holder); 1 when written, 0 when not.
 */
const COMMIT_FN = `
local function commit(record, lease, wait, token, value, ttl, clearWait, waitText)
  local holder = redis.call('GET', lease)
  if holder and holder ~= token then return 0 end
  redis.call('SET', record, value, 'EX', ttl)
  if holder then redis.call('DEL', lease) end
  if clearWait == '1' and redis.call('GET', wait) == waitText then redis.call('DEL', wait) end
  return 1
end
`;

/** KEYS: record, lease, wait. ARGV: token, record, ttl s, clear wait ('1'/'0'), its text. */
export const COMMIT = `${COMMIT_FN}
return commit(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
`;

/**
 * What a hop keeps for the phone and the resume watch, on the phone's keys (prefs, kept payment,
 * paid, the day's lookups) and the due set, from ARGV[o + 6] on: the preferences' ttl s; resume
 * ('', 'dropped' or 'paid'); the session's start ms; seconds the paid mark is kept; the due change
 * ('', 'enter' or 'leave'); its score; the session id; a reference looked up ('' none); the
 * lookups' ttl s; then preference fields and values, in pairs.
 */
const KEEP_FN = `
local function keep(prefs, kept, paid, due, lookups, o)
  if #ARGV > o + 14 then
    redis.call('HSET', prefs, unpack(ARGV, o + 15))
    redis.call('EXPIRE', prefs, ARGV[o + 6])
  end
  if ARGV[o + 13] ~= '' then
    redis.call('SADD', lookups, ARGV[o + 13])
    redis.call('EXPIRE', lookups, ARGV[o + 14])
  end
  if ARGV[o + 7] ~= '' then redis.call('DEL', kept) end
  if ARGV[o + 7] == 'paid' then redis.call('SET', paid, ARGV[o + 8], 'EX', ARGV[o + 9]) end
  if ARGV[o + 10] == 'enter' then redis.call('ZADD', due, ARGV[o + 11], ARGV[o + 12]) end
  if ARGV[o + 10] == 'leave' then redis.call('ZREM', due, ARGV[o + 12]) end
end
`;

/**
 * COMMIT with what the hop keeps for the phone and the resume watch, in one command: where those
 * keys may be touched together (a single Redis; on a cluster they live in three slots and go as
 * three commands). The phone's writes are made whether or not the session is (as when they went
 * beside it). KEYS: record, lease, wait, prefs, kept payment, paid, due set, the day's lookups.
 * ARGV: COMMIT's five, then KEEP's from 6. COMMIT's reply.
 */
export const COMMIT_ALL = `${COMMIT_FN}${KEEP_FN}
local saved = commit(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
keep(KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], 0)
return saved
`;

/** KEYS: lease. ARGV: token. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: record, wait. ARGV: text, ttl s, phone. The answer if it has appeared meanwhile (whatever
 * the gateway's shape: this hop waited for it), else notes "please wait" for the text.
 */
export const GIVE_UP = `${PARSE}
local raw = redis.call('GET', KEYS[1])
local r = raw and parse(raw)
if r then
  if r.phone ~= ARGV[3] then return { 'foreign' } end
  local answer = stored(r, ARGV[1], '0')
  if r.shape == 'l' and ARGV[1] == r.text then answer = answerOf(r) end
  if answer then return { 'answer', answer } end
end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return { 'wait', r and r.lang or '' }
`;

/** KEYS: record. */
export const PEEK = `${PARSE}
local raw = redis.call('GET', KEYS[1])
local r = raw and parse(raw)
if not r then return { 'none' } end
return { 'session', raw }
`;

/**
 * The phone's part of a hop's first round trip, on its keys (rate, prefs, kept payment, the day's
 * lookups) and the rate window in seconds: counts the hop in a fixed window that starts at the
 * phone's first hop, and reads the phone's preferences, the payment kept for it after a drop and
 * how many references it looked up today (a hop may need them; reading costs no round trip).
 * Seven values, none nil.
 */
const PHONE_FN = `
-- An absent field is nil in Redis, and a null value in the embedded Redis, which Lua takes as true.
local function str(v)
  if type(v) == 'string' then return v end
  return ''
end
local function phoneRead(rate, prefs, kept, lookups, window, readKept)
  local n = redis.call('INCR', rate)
  if n == 1 then redis.call('EXPIRE', rate, window) end
  local p = redis.call('HMGET', prefs, 'language', 'lastRef', 'paidRefs', 'lastProvince')
  return { n, str(p[1]), str(p[2]), str(p[3]), str(p[4]), readKept and str(redis.call('GET', kept)) or '', redis.call('SCARD', lookups) }
end
`;

/** KEYS: rate, prefs, kept payment, the day's lookups. ARGV: window s. */
export const PHONE = `${PHONE_FN}
return phoneRead(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], true)
`;

/**
 * PHONE and BEGIN in one script, one command: where the phone's keys and the session's may be
 * touched together (a single Redis; on a cluster they live in two slots and go as two commands,
 * and the kept payment is read on every hop). KEYS: rate, prefs, kept payment, the day's lookups,
 * record, lease, wait. ARGV: window s, then BEGIN's five, then a first screen's record prepared by
 * the caller ('' none), its ttl s, and the hops a phone may make in the window ('' no limit).
 * PHONE's seven values (the kept payment '' but for a new session), then BEGIN's reply, or
 * 'created' when the prepared record was written.
 *
 * The prepared record is the first screen of a phone with nothing remembered (no preferences, no
 * kept payment), the same for every such phone: written here, within its rate limit, the hop
 * needs no commit, so a new subscriber's first dial is one round trip. A session with no record
 * and no hop holding it is new whatever BEGIN would find, so that case is decided here without
 * BEGIN: the prepared record written without taking the lease, or else the lease taken (one
 * `EXISTS` in place of BEGIN's read of the record, the lease taken and, once written, given back).
 */
export const OPEN = `${PARSE}${PHONE_FN}${BEGIN_FN}
if ARGV[7] ~= '' and redis.call('EXISTS', KEYS[5], KEYS[6]) == 0 then
  local p = phoneRead(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], true)
  local kind = 'created'
  if p[2] == '' and p[3] == '' and p[4] == '' and p[5] == '' and p[6] == '' and (ARGV[9] == '' or p[1] <= tonumber(ARGV[9])) then
    redis.call('SET', KEYS[5], ARGV[7], 'EX', ARGV[8])
  else
    -- No record and no holder, in this same script: BEGIN would take the lease and say 'new'.
    redis.call('SET', KEYS[6], ARGV[3], 'PX', ARGV[4])
    kind = 'new'
  end
  return { p[1], p[2], p[3], p[4], p[5], p[6], p[7], kind }
end
local b = begin(KEYS[5], KEYS[6], KEYS[7], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
-- A kept payment is offered on a session's first screen only: read for a new session alone.
local p = phoneRead(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], b[1] == 'new')
-- One table constructor (the embedded Redis drops a table grown after it): the reply ends at
-- BEGIN's first nil; its last value may be false (no wait note), which ends nothing.
return { p[1], p[2], p[3], p[4], p[5], p[6], p[7], b[1], b[2], b[3] }
`;

/**
 * OPEN for a later hop whose answer the caller has already worked out from the session as this
 * instance last saved it and the phone as that hop read it: when nothing has changed since (the
 * record is that one, no hop holds the lease, no "please wait" note, the phone's preferences and
 * day's lookups as read then) and the phone is within its limit, the new record and what the hop
 * keeps are written here, and the hop is one round trip (`advanced`, nothing held). Otherwise it
 * is OPEN as it would have been (the caller then works the hop out again from what it reads).
 * KEYS: OPEN's seven, then paid, due set. ARGV: OPEN's first six; 7 the hops a phone may make in
 * the window ('' no limit); 8 the record expected; 9 the new record; 10 its ttl s; 11-14 the
 * preferences expected (language, lastRef, paidRefs, lastProvince); 15 the lookups expected; then
 * KEEP's from 16, left out when the hop keeps nothing (its usual case: nine arguments fewer).
 * OPEN's reply.
 */
export const ADVANCE = `${PARSE}${PHONE_FN}${BEGIN_FN}${KEEP_FN}
local p = phoneRead(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], false)
if (ARGV[7] == '' or p[1] <= tonumber(ARGV[7])) and p[2] == ARGV[11] and p[3] == ARGV[12] and p[4] == ARGV[13] and p[5] == ARGV[14]
    and p[7] == tonumber(ARGV[15]) and redis.call('GET', KEYS[5]) == ARGV[8] and redis.call('EXISTS', KEYS[6], KEYS[7]) == 0 then
  redis.call('SET', KEYS[5], ARGV[9], 'EX', ARGV[10])
  if #ARGV > 15 then keep(KEYS[2], KEYS[3], KEYS[8], KEYS[9], KEYS[4], 10) end
  return { p[1], p[2], p[3], p[4], p[5], p[6], p[7], 'advanced' }
end
local b = begin(KEYS[5], KEYS[6], KEYS[7], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
-- The record has gone meanwhile (expired): a new session, which is offered a kept payment.
if b[1] == 'new' then p[6] = str(redis.call('GET', KEYS[3])) end
return { p[1], p[2], p[3], p[4], p[5], p[6], p[7], b[1], b[2], b[3] }
`;
