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
var allowScript = redis.NewScript(luaWindow + `
local wait = full(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
if wait then return wait end
redis.call('RPUSH', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return -1
`)

// luaWindow is the rolling-window check shared by allowScript and
// commitScript: full drops the times older than the window from the bucket
// list key and returns the microseconds until a slot frees when limit times
// remain, else nil.
const luaWindow = `
local function full(key, limit, w, n)
  while true do
    local o = redis.call('LINDEX', key, 0)
    if not o then break end
    o = tonumber(o)
    if n - math.min(o, n) >= w then redis.call('LPOP', key) else break end
  end
  if redis.call('LLEN', key) >= limit then
    local o = tonumber(redis.call('LINDEX', key, 0))
    return math.min(o, n) + w - n
  end
  return nil
end
`

// luaJudge is the judgement of one event, shared by judgeScript (which writes
// as it goes) and commitScript (which writes only once every verdict is the
// expected one): get and put reach the memory, k holds its six keys (ids,
// ids order, dup keys, dup order, fallback, fallback order). It returns the
// event's bits. remember keeps a new key k of hash h in the order list o,
// forgetting the oldest past cap keys, as the in-memory fifo does.
const luaJudge = `
local function remember(h, o, k, cap)
  if redis.call('RPUSH', o, k) > cap then
    redis.call('HDEL', h, redis.call('LPOP', o))
  end
end
local function judge1(get, put, k, kind, dropDups, window, now, nowText, id, hash, dk, fk)
  local f = 1
  if kind == 'i' and id ~= '' then
    local h = get(k[1], id)
    if h then
      f = 4
      if h ~= hash then f = 12 end
    else
      put(k[1], k[2], id, hash)
    end
  elseif kind == 'd' and dk ~= '' then
    if get(k[3], dk) then
      f = 2
      if not dropDups then f = 3 end
    else
      put(k[3], k[4], dk, '1')
    end
  end
  if f % 2 == 1 and fk ~= '' and window > 0 then
    local prev = get(k[5], fk)
    if prev then
      local sep = string.find(prev, '|', 1, true)
      local at = tonumber(string.sub(prev, 1, sep - 1))
      if string.sub(prev, sep + 1) ~= id then
        local d = now - at
        if d < window and d > -window then f = f + 16 end
      end
    end
    put(k[5], k[6], fk, nowText .. '|' .. id)
  end
  return f
end
`

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
var judgeScript = redis.NewScript(luaJudge + `
local cap = tonumber(ARGV[1])
local kind, dropDups = ARGV[2], ARGV[3] == '1'
local window, now = tonumber(ARGV[4]), tonumber(ARGV[5])
local n = tonumber(ARGV[7])
local function get(h, k) return redis.call('HGET', h, k) end
local function put(h, o, k, v)
  if redis.call('HSET', h, k, v) == 1 then remember(h, o, k, cap) end
end
local out = {}
for i = 0, n - 1 do
  local b = 8 + i * 4
  out[i + 1] = judge1(get, put, KEYS, kind, dropDups, window, now, ARGV[5], ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3])
end
local s = redis.call('HINCRBY', KEYS[7], ARGV[6], 1)
if s == 1 then remember(KEYS[7], KEYS[8], ARGV[6], cap) end
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

// luaEpoch is the state's epoch check, shared by every script that journals:
// an epoch key that is gone means the state was lost (a Redis restarted
// without persistence, a FLUSHDB), so a new epoch starts, with its Since, and
// the seq continues above the highest one the caller saw (floor): seqs never
// go back. It returns the current epoch.
const luaEpoch = `
local function epoch(ek, sk, qk, cand, since, floor)
  local e = redis.call('GET', ek)
  if e then return e end
  redis.call('SET', ek, cand)
  redis.call('SET', sk, since)
  if tonumber(redis.call('GET', qk) or '0') < floor then redis.call('SET', qk, floor) end
  return cand
end
`

// luaRing is the journal's capped stream: at most cap entries of at most
// maxb bytes together (by the mock's estimate of each entry), the oldest
// dropped first, exactly as the in-process ring does (MAXLEN ~ would keep up
// to a node more). Beside the stream, a list holds its entries' sizes in
// order, so dropping the oldest reads a small number, not the entry: a
// script opens the ring (ringOpen), adds (ringAdd), then closes it
// (ringClose: one XTRIM, one LTRIM and one RPUSH for all it did). A list
// whose length is not the stream's (a profile reset took entries from the
// middle, an older mock wrote the stream) is rebuilt from the stream first.
// st stream, sk sizes, bk bytes.
const luaRing = `
local function ringOpen(st, sk, bk)
  local n = redis.call('XLEN', st)
  if redis.call('LLEN', sk) ~= n then
    redis.call('DEL', sk)
    local start = '-'
    while true do
      local batch = redis.call('XRANGE', st, start, '+', 'COUNT', 1000)
      if #batch == 0 then break end
      local sizes = {}
      for _, e in ipairs(batch) do
        local f, size = e[2], '0'
        for j = 1, #f, 2 do
          if f[j] == 's' then size = f[j + 1] end
        end
        sizes[#sizes + 1] = size
        start = '(' .. e[1]
      end
      redis.call('RPUSH', sk, unpack(sizes))
    end
  end
  local b = tonumber(redis.call('GET', bk) or '0')
  return {st = st, sk = sk, bk = bk, n0 = n, n = n, bytes = b, bytes0 = b, popped = 0, base = 0, olds = {}, news = {}, ni = 1, evicted = false}
end
local function ringEvict(r)
  local s
  if r.popped < r.n0 then
    local i = r.popped - r.base + 1
    if i > #r.olds then
      r.olds, r.base, i = redis.call('LRANGE', r.sk, r.popped, r.popped + 63), r.popped, 1
    end
    s = r.olds[i]
    r.popped = r.popped + 1
  else
    s = r.news[r.ni]
    r.ni = r.ni + 1
  end
  r.bytes, r.n, r.evicted = r.bytes - tonumber(s), r.n - 1, true
end
local function ringAdd(r, cap, maxb, seq, prof, data, size)
  local z = tonumber(size)
  while r.n > 0 and (r.n >= cap or r.bytes + z > maxb) do ringEvict(r) end
  redis.call('XADD', r.st, string.format('%d-0', seq), 'p', prof, 's', size, 'e', data)
  r.news[#r.news + 1] = size
  r.n, r.bytes = r.n + 1, r.bytes + z
end
local function ringClose(r)
  if r.evicted then redis.call('XTRIM', r.st, 'MAXLEN', r.n) end
  if r.popped > 0 then redis.call('LTRIM', r.sk, r.popped, -1) end
  if r.ni <= #r.news then redis.call('RPUSH', r.sk, unpack(r.news, r.ni)) end
  if r.bytes ~= r.bytes0 then redis.call('SET', r.bk, string.format('%d', r.bytes)) end
end
`

// luaJournal journals one request and counts it: the next seq becomes the
// stream entry's id (seq-0) and the profile's counters move by the deltas in
// ARGV from first on (field, delta pairs); the stream is luaRing's. ks: seq,
// stream, added, profile stats hash, bytes, epoch, since, sizes. Returns the
// seq and the epoch.
const luaJournal = luaEpoch + luaRing + `
local function journal(ks, cap, maxb, prof, data, size, cand, since, floor, first)
  local ep = epoch(ks[6], ks[7], ks[1], cand, since, floor)
  local seq = redis.call('INCR', ks[1])
  if seq <= floor then
    seq = floor + 1
    redis.call('SET', ks[1], seq)
  end
  local r = ringOpen(ks[2], ks[8], ks[5])
  ringAdd(r, cap, maxb, seq, prof, data, size)
  ringClose(r)
  redis.call('INCR', ks[3])
  for i = first, #ARGV, 2 do
    redis.call('HINCRBY', ks[4], ARGV[i], ARGV[i + 1])
  end
  return seq, ep
end
`

// addScript journals one request without a decision (see luaJournal).
//
// KEYS: seq, stream, added, profile stats hash, bytes, epoch, since, sizes.
// ARGV: cap, max bytes, profile, entry JSON, entry size, epoch candidate,
// since, floor, then field, delta pairs. Returns {seq, epoch}.
var addScript = redis.NewScript(luaJournal + `
local seq, ep = journal(KEYS, tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8]), 9)
return {seq, ep}
`)

// epochScript checks the epoch (luaEpoch) and returns it.
// KEYS: epoch, since, seq; ARGV: candidate, since, floor.
var epochScript = redis.NewScript(luaEpoch + `
return epoch(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], tonumber(ARGV[3]))
`)

// commitScript commits the requests of one batch (gathered from concurrent
// callers by the batcher), each a request's decision and journal entry as one
// step: the rate-limit count, the judgement of its events with the app's next
// sequence number, the entry and its counters; all or nothing per request.
// The events are judged first without writing (what an event of this request
// claimed is seen by the next one); when the verdicts differ from those the
// entry was built on, nothing of that request is written and the verdicts are
// returned, to build the entry again. One script for the batch, not one per
// request: the epoch check, the journal's seq, bytes and length, the buckets'
// expiry and the counters are read and written once per batch, so Redis does
// a third of the calls per request it did.
//
// KEYS: seq, stream, added, bytes, epoch, since, sizes (luaRing), then the requests' keys
// (named by index below).
// ARGV: 1 journal cap, max bytes, epoch candidate, since, floor; 6 on, per
// request: its length (this one included), bucket key (0: not counted),
// limit, window µs, now µs, expiry ms, the first of the memory's eight keys
// (judgeScript's), cap, kind, drop dups, fallback window µs, now µs, app,
// take seq (1/0), n, the stats key, profile, entry JSON, entry size, per
// event id, hash, dedupe key, fallback key, expected bits; then the
// counters' field, delta pairs.
// Returns {epoch, per request: {0, µs until a slot frees} when the bucket is
// full, {2, bits…} when the verdicts differ, {1, app seq, seq} once
// committed, {-1, message} when Redis refused a call}.
var commitScript = redis.NewScript(luaEpoch + luaRing + luaWindow + luaJudge + `
local jcap, maxb, floor = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[5])
local ep = epoch(KEYS[5], KEYS[6], KEYS[1], ARGV[3], ARGV[4], floor)
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
if seq < floor then seq = floor end
local seq0 = seq
local ring = ringOpen(KEYS[2], KEYS[7], KEYS[4])
local added = 0
local counts, ckeys, expires, ekeys = {}, {}, {}, {}
local function commit1(a, z)
  local bk, limit = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  if bk > 0 then
    local wait = full(KEYS[bk], limit, tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]))
    if wait then return {0, wait} end
  end
  local mb, cap = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  local kind, dropDups = ARGV[a + 7], ARGV[a + 8] == '1'
  local window, now = tonumber(ARGV[a + 9]), tonumber(ARGV[a + 10])
  local ne = tonumber(ARGV[a + 13])
  local over, puts = {}, {}
  local function get(h, k)
    local v = over[h .. '\0' .. k]
    if v ~= nil then return v end
    return redis.call('HGET', h, k)
  end
  local function put(h, o, k, v)
    over[h .. '\0' .. k] = v
    puts[#puts + 1] = {h, o, k, v}
  end
  local mem = {KEYS[mb], KEYS[mb + 1], KEYS[mb + 2], KEYS[mb + 3], KEYS[mb + 4], KEYS[mb + 5]}
  local out, same = {2}, true
  for i = 0, ne - 1 do
    local b = a + 18 + i * 5
    local f = judge1(get, put, mem, kind, dropDups, window, now, ARGV[a + 10], ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3])
    out[i + 2] = f
    if f ~= tonumber(ARGV[b + 4]) then same = false end
  end
  if not same then return out end
  if bk > 0 then
    redis.call('RPUSH', KEYS[bk], ARGV[a + 3])
    if not expires[bk] then ekeys[#ekeys + 1] = bk end
    expires[bk] = ARGV[a + 4]
  end
  for _, p in ipairs(puts) do
    if redis.call('HSET', p[1], p[3], p[4]) == 1 then remember(p[1], p[2], p[3], cap) end
  end
  local s = 0
  if ARGV[a + 12] == '1' then
    s = redis.call('HINCRBY', KEYS[mb + 6], ARGV[a + 11], 1)
    if s == 1 then remember(KEYS[mb + 6], KEYS[mb + 7], ARGV[a + 11], cap) end
  end
  ringAdd(ring, jcap, maxb, seq + 1, ARGV[a + 15], ARGV[a + 16], ARGV[a + 17])
  seq, added = seq + 1, added + 1
  local sk = tonumber(ARGV[a + 14])
  local c = counts[sk]
  if not c then
    c = {}
    counts[sk] = c
    ckeys[#ckeys + 1] = sk
  end
  for i = a + 18 + ne * 5, z, 2 do
    c[ARGV[i]] = (c[ARGV[i]] or 0) + tonumber(ARGV[i + 1])
  end
  return {1, s, seq}
end
local res, a = {ep}, 6
while a <= #ARGV do
  local len = tonumber(ARGV[a])
  local ok, r = pcall(commit1, a + 1, a + len - 1)
  if not ok then
    if type(r) == 'table' then r = r.err end
    r = {-1, tostring(r)}
  end
  res[#res + 1] = r
  a = a + len
end
if seq ~= seq0 then redis.call('SET', KEYS[1], string.format('%d', seq)) end
ringClose(ring)
if added > 0 then redis.call('INCRBY', KEYS[3], added) end
for _, k in ipairs(ekeys) do redis.call('PEXPIRE', KEYS[k], expires[k]) end
for _, k in ipairs(ckeys) do
  for f, d in pairs(counts[k]) do redis.call('HINCRBY', KEYS[k], f, string.format('%d', d)) end
end
return res
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
