package redisstore

import "github.com/redis/go-redis/v9"

// Times cross into Lua as decimal microseconds: Lua numbers are doubles, exact
// to 2^53, which holds unix microseconds but not nanoseconds. Strings that
// must be echoed (now, ids) are stored from ARGV, never re-formatted by Lua.

// allowScript is the rolling-window limit of one bucket: a list of the times of
// its allowed requests, oldest first. Times older than the window are dropped;
// a time in the future (a clock set back) counts as now. It returns -1 when the
// request is allowed and counted, else the microseconds until a slot frees.
//
// KEYS[1] bucket list; ARGV limit, window µs, now µs, expiry ms.
var allowScript = redis.NewScript(`
local limit, w, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
while true do
  local o = redis.call('LINDEX', KEYS[1], 0)
  if not o then break end
  o = tonumber(o)
  if n - math.min(o, n) >= w then redis.call('LPOP', KEYS[1]) else break end
end
if redis.call('LLEN', KEYS[1]) >= limit then
  local o = tonumber(redis.call('LINDEX', KEYS[1], 0))
  return math.min(o, n) + w - n
end
redis.call('RPUSH', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return -1
`)

// judgeScript judges a request's events against the profile's memory and gives
// the app its next sequence number, all in one atomic step. Each store is a
// hash (key → value) with a list of its keys in insertion order; past cap keys
// the oldest is forgotten, as the in-memory fifo does.
//
// KEYS: ids, ids order, dup keys, dup order, fallback, fallback order, seqs, seqs order.
// ARGV: cap, kind (i: idempotent, d: mark duplicates, else none), drop dups (1/0),
// window µs (0: none), now µs, app, n, then per event: id, hash, dedupe key,
// fallback key.
// Returns one bit set per event (1 recorded, 2 duplicate, 4 replay, 8 conflict,
// 16 probable duplicate), then the sequence number.
var judgeScript = redis.NewScript(`
local cap = tonumber(ARGV[1])
local kind, dropDups = ARGV[2], ARGV[3] == '1'
local window, now = tonumber(ARGV[4]), tonumber(ARGV[5])
local n = tonumber(ARGV[7])
local function put(h, o, k, v)
  if redis.call('HSET', h, k, v) == 1 then
    redis.call('RPUSH', o, k)
    if redis.call('LLEN', o) > cap then
      redis.call('HDEL', h, redis.call('LPOP', o))
    end
  end
end
local out = {}
for i = 0, n - 1 do
  local b = 8 + i * 4
  local id, hash, dk, fk = ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3]
  local f = 1
  if kind == 'i' and id ~= '' then
    local h = redis.call('HGET', KEYS[1], id)
    if h then
      f = 4
      if h ~= hash then f = 12 end
    else
      put(KEYS[1], KEYS[2], id, hash)
    end
  elseif kind == 'd' and dk ~= '' then
    if redis.call('HEXISTS', KEYS[3], dk) == 1 then
      f = 2
      if not dropDups then f = 3 end
    else
      put(KEYS[3], KEYS[4], dk, '1')
    end
  end
  if f % 2 == 1 and fk ~= '' and window > 0 then
    local prev = redis.call('HGET', KEYS[5], fk)
    if prev then
      local sep = string.find(prev, '|', 1, true)
      local at = tonumber(string.sub(prev, 1, sep - 1))
      if string.sub(prev, sep + 1) ~= id then
        local d = now - at
        if d < window and d > -window then f = f + 16 end
      end
    end
    put(KEYS[5], KEYS[6], fk, ARGV[5] .. '|' .. id)
  end
  out[i + 1] = f
end
local s = redis.call('HINCRBY', KEYS[7], ARGV[6], 1)
if s == 1 then
  redis.call('RPUSH', KEYS[8], ARGV[6])
  if redis.call('LLEN', KEYS[8]) > cap then
    redis.call('HDEL', KEYS[7], redis.call('LPOP', KEYS[8]))
  end
end
out[n + 1] = s
return out
`)

// peekScript tells which ids are known (the racy mutant looks first).
// KEYS[1] ids; ARGV the ids. Returns 1/0 per id.
var peekScript = redis.NewScript(`
local out = {}
for i = 1, #ARGV do
  if ARGV[i] ~= '' and redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then out[i] = 1 else out[i] = 0 end
end
return out
`)

// addScript journals one request and counts it: the next seq becomes the
// stream entry's id (seq-0) and the profile's counters move by the given
// deltas. The stream keeps at most cap entries of at most max bytes together
// (by the mock's estimate of each entry), dropping the oldest first, exactly
// as the in-process ring does (MAXLEN ~ would keep up to a node more).
//
// KEYS: seq, stream, added, profile stats hash, bytes.
// ARGV: cap, max bytes, profile, entry JSON, entry size, then field, delta pairs.
var addScript = redis.NewScript(`
local cap, maxb, size = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[5])
local seq = redis.call('INCR', KEYS[1])
local bytes = tonumber(redis.call('GET', KEYS[5]) or '0')
local n = redis.call('XLEN', KEYS[2])
while n > 0 and (n >= cap or bytes + size > maxb) do
  local old = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  local f = old[2]
  for j = 1, #f, 2 do
    if f[j] == 's' then bytes = bytes - tonumber(f[j + 1]) end
  end
  redis.call('XDEL', KEYS[2], old[1])
  n = n - 1
end
redis.call('XADD', KEYS[2], string.format('%d-0', seq), 'p', ARGV[3], 's', ARGV[5], 'e', ARGV[4])
redis.call('SET', KEYS[5], bytes + size)
redis.call('INCR', KEYS[3])
for i = 6, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[4], ARGV[i], ARGV[i + 1])
end
return seq
`)

// dropProfileScript removes one profile's entries from the stream and takes
// them off the added count, so evicted (added − length) stays what the cap
// let go.
//
// KEYS: stream, added, bytes; ARGV: profile. Returns the number removed.
var dropProfileScript = redis.NewScript(`
local removed, freed, start = 0, 0, '-'
while true do
  local batch = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', 1000)
  if #batch == 0 then break end
  for _, e in ipairs(batch) do
    local f = e[2]
    local mine, size = false, 0
    for j = 1, #f, 2 do
      if f[j] == 'p' and f[j + 1] == ARGV[1] then mine = true end
      if f[j] == 's' then size = tonumber(f[j + 1]) end
    end
    if mine then
      redis.call('XDEL', KEYS[1], e[1])
      removed = removed + 1
      freed = freed + size
    end
    start = '(' .. e[1]
  end
end
if removed > 0 then
  redis.call('DECRBY', KEYS[2], removed)
  redis.call('DECRBY', KEYS[3], freed)
end
return removed
`)
