/**
 * The Lua scripts of a hop, registered once per connection (`defineCommand`: EVALSHA, EVAL only
 * when Redis does not know the script yet). Each touches the keys of one hash tag only: one
 * session's, or one phone's, so they run as they are on Redis Cluster.
 */

/** Splits a record (see record.ts) by its header; nil for a record of another version. */
const PARSE = String.raw`
local function parse(raw)
  local shape, lang, hasPrev, lt, la, lp, phone, at = string.match(raw, '^1(%a)(%a%a)([01]):(%d+):(%d+):(%d+):([^\n]*)\n()')
  if not shape then return nil end
  local r = { shape = shape, lang = lang, hasPrev = hasPrev, phone = phone }
  local function take(n)
    local s = string.sub(raw, at, at + n - 1)
    at = at + n
    return s
  end
  r.text = take(tonumber(lt))
  r.answer = take(tonumber(la))
  r.prev = take(tonumber(lp))
  r.body = string.sub(raw, at)
  return r
end
-- What a retry of this text gets, unless the gateway sends only the newest input (then an identical
-- text is a new input): the answer already given to it; for the hop before, which the phone has
-- moved on from, the screen the phone shows now (its own answer is not kept: bytes in every session).
local function stored(r, text, lastOnly)
  if lastOnly == '1' or r.shape == 'l' then return nil end
  if text == r.text then return r.answer end
  if r.hasPrev == '1' and text == r.prev then return r.answer end
  return nil
end
local function parts(kind, r)
  return { kind, r.shape, r.lang, r.phone, r.text, r.answer, r.hasPrev, r.prev, r.body }
end
`;

/**
 * KEYS: record, lease, wait. ARGV: text, token, lease ms, phone, lastOnly ('1'/'0').
 * A retry is answered from the record; otherwise the lease is taken and the session returned.
 */
export const BEGIN = `${PARSE}
local raw = redis.call('GET', KEYS[1])
local r = nil
if raw then
  r = parse(raw)
  if r then
    if r.phone ~= ARGV[4] then return { 'foreign' } end
    local answer = stored(r, ARGV[1], ARGV[5])
    if answer then
      if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
      return { 'answer', answer }
    end
  end
end
if not redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3], 'NX') then return { 'busy' } end
if not raw then return { 'new' } end
if not r then return { 'unreadable' } end
-- The wait note last: absent, it is nil (false in the embedded Redis), which ends no list.
return { 'session', r.shape, r.lang, r.phone, r.text, r.answer, r.hasPrev, r.prev, r.body, redis.call('GET', KEYS[3]) }
`;

/**
 * KEYS: record, lease, wait. ARGV: token, record, ttl s, clear wait ('1'/'0'), its text.
 * Writes only while the lease is ours (or expired with no other holder).
 */
export const COMMIT = `
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if holder then redis.call('DEL', KEYS[2]) end
if ARGV[4] == '1' and redis.call('GET', KEYS[3]) == ARGV[5] then redis.call('DEL', KEYS[3]) end
return 1
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
  if r.shape == 'l' and ARGV[1] == r.text then answer = r.answer end
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
return parts('session', r)
`;

/**
 * KEYS: rate, prefs, kept payment. ARGV: window s. Counts the hop in a fixed window that starts at
 * the phone's first hop, and reads the phone's preferences and the payment kept for it after a
 * drop (a first hop needs them; reading costs no round trip).
 */
export const PHONE = `
redis.call('SET', KEYS[1], '0', 'EX', ARGV[1], 'NX')
local n = redis.call('INCR', KEYS[1])
local p = redis.call('HMGET', KEYS[2], 'language', 'lastRef', 'paidRefs', 'lastProvince')
return { n, p[1] or '', p[2] or '', p[3] or '', p[4] or '', redis.call('GET', KEYS[3]) or '' }
`;
