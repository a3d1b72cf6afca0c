// Lua scripts of the Redis adapter: idempotent appends, thin group reads, partition leases, detector membership and idempotency records. Each runs
// atomically, so "is it still mine?" and the write that depends on the answer cannot interleave with another
// process's. Every script but APPEND_MANY_LUA and READ_THIN_LUA touches keys of one hash tag only, so it runs
// unchanged on Redis Cluster; the adapter calls those two with the keys of one slot on a Cluster.
import { FIELD_ALERTS, FIELD_CONFIG_CHANGED, FIELD_EVENTS, FIELD_METRIC_BATCH, FIELD_METRIC_BATCH_BASE64, FIELD_METRICS, FIELD_TENANT } from '../codec.js';

/**
 * APPEND_MANY_LUA: appends several entries, each at most once. KEYS[1] the call's append key (the call's first
 * stream's hash tag); then per entry its stream and, when the entry has an append key of its own
 * (AppendEntry.key), that key (same hash tag as its stream). ARGV[1] dedup window (ms); then per entry: MAXLEN
 * (approximate; '' for none), '1' when it has a key of its own else '0', the number of its fields' items n, and
 * those n items. When the call's key exists, the call was run before (a command re-sent after its answer was lost)
 * and its ids are answered, nothing written. Else each entry is appended unless its own key exists, its new id
 * remembered under that key for the window, and the call's ids under the call's key. Returns the entries' ids in
 * order, separated by spaces (one reply string rather than one per entry): the new one, or the one written by the
 * first append of that key.
 * One key per call rather than one per entry: a remote_write request's sixteen entries made sixteen keys to
 * look up, write, propagate to the AOF and expire, where the call is what a resend repeats.
 * The streams may be of different hash tags only where that is allowed: on one Redis (a Sentinel master too), all
 * of a request's entries go in one call; on a Cluster, one call per slot.
 */
export const APPEND_MANY_LUA = `
local done = redis.call('GET', KEYS[1])
if done then return done end
local ids = {}
local k, a = 2, 2
while a <= #ARGV do
  local maxLen, own = ARGV[a], ARGV[a + 1] == '1'
  local first = a + 3
  local last = a + 2 + tonumber(ARGV[a + 2])
  a = last + 1
  local id = false
  if own then id = redis.call('GET', KEYS[k + 1]) end
  if not id then
    if maxLen == '' then
      id = redis.call('XADD', KEYS[k], '*', unpack(ARGV, first, last))
    else
      id = redis.call('XADD', KEYS[k], 'MAXLEN', '~', maxLen, '*', unpack(ARGV, first, last))
    end
    if own then redis.call('SET', KEYS[k + 1], id, 'PX', ARGV[1]) end
  end
  if own then k = k + 2 else k = k + 1 end
  ids[#ids + 1] = id
end
local all = table.concat(ids, ' ')
redis.call('SET', KEYS[1], all, 'PX', ARGV[1])
return all`;

/**
 * KEYS[1..n] fixed-window counters; per counter i: ARGV[3i-2] limit, ARGV[3i-1] window ms, ARGV[3i] '1' to charge.
 * When no counter is at its limit, adds 1 to each one to charge (a new window expires after its length) and
 * returns {0, 0}; else changes nothing and returns {i, ms until the first full counter's window ends}.
 */
export const WINDOWS_TAKE_LUA = `
for i = 1, #KEYS do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  if count >= tonumber(ARGV[3 * i - 2]) then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl < 0 then
      ttl = tonumber(ARGV[3 * i - 1])
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
    return {i, ttl}
  end
end
for i = 1, #KEYS do
  if ARGV[3 * i] == '1' then
    if redis.call('INCR', KEYS[i]) == 1 or redis.call('PTTL', KEYS[i]) < 0 then
      redis.call('PEXPIRE', KEYS[i], ARGV[3 * i - 1])
    end
  end
end
return {0, 0}`;

/** KEYS[1] a fixed-window counter; ARGV[1] window ms. Adds 1 (a new window expires after its length). */
export const WINDOW_ADD_LUA = `
if redis.call('INCR', KEYS[1]) == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1`;

/**
 * KEYS[1] lease key, KEYS[2] epoch key; ARGV[1] owner token, ARGV[2] lease ms.
 * Returns the new fencing epoch (INCR) when the lease was free and is now ours, else 0.
 */
export const ACQUIRE_LUA = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`;

/** KEYS[1] lease key; ARGV[1] owner token, ARGV[2] lease ms. Returns 1 when renewed, 0 when not ours. */
export const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** KEYS[1] lease key; ARGV[1] owner token. Returns 1 when released, 0 when it was not ours. */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * KEYS[1] lease key, KEYS[2] epoch key; ARGV[1] owner token, ARGV[2] epoch.
 * Returns 1 while the caller holds the lease with the current epoch (the fence for notifications).
 */
export const FENCE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2] then
  return 1
end
return 0`;

/**
 * KEYS[1] members sorted set; ARGV[1] member, ARGV[2] ttl ms (0 = leave, -1 = only read).
 * Scores are expiry times from the Redis clock, so replicas with skewed clocks agree. Returns live members.
 */
export const MEMBERS_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
elseif ttl == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/**
 * KEYS[1] the record; ARGV[1] fingerprint, ARGV[2] now (ms), ARGV[3] lease (ms), ARGV[4] TTL (ms), ARGV[5] holder.
 * Returns {'new', receivedAt} when the caller may proceed (fresh, or taking over an expired or released lease of
 * the same request), else {'existing', value}.
 */
export const IDEM_BEGIN_LUA = `
local v = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[2])
local leaseUntil = tostring(now + tonumber(ARGV[3]))
if not v then
  redis.call('SET', KEYS[1], 'P|' .. ARGV[1] .. '|' .. ARGV[2] .. '|' .. leaseUntil .. '|' .. ARGV[5], 'PX', ARGV[4])
  return {'new', ARGV[2]}
end
if string.sub(v, 1, 2) == 'P|' then
  local fp, recv, lease = string.match(v, '^P|([^|]*)|([^|]*)|([^|]*)')
  if fp == ARGV[1] and tonumber(lease) <= now then
    redis.call('SET', KEYS[1], 'P|' .. fp .. '|' .. recv .. '|' .. leaseUntil .. '|' .. ARGV[5], 'KEEPTTL')
    return {'new', recv}
  end
end
return {'existing', v}`;

/**
 * KEYS[1] the record; ARGV[1] fingerprint, ARGV[2] holder, ARGV[3] now (ms), ARGV[4] lease (ms). Moves the lease
 * end of a pending record held by `holder` to now + lease; 1 if it did.
 */
export const IDEM_RENEW_LUA = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local fp, recv, holder = string.match(v, '^P|([^|]*)|([^|]*)|[^|]*|([^|]*)$')
if fp ~= ARGV[1] or holder ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], 'P|' .. fp .. '|' .. recv .. '|' .. tostring(tonumber(ARGV[3]) + tonumber(ARGV[4])) .. '|' .. holder, 'KEEPTTL')
return 1`;

/** KEYS[1] the record; ARGV[1] 'P|<fingerprint>|'. Sets the lease of that pending record to 0 (KEEPTTL). */
export const IDEM_RELEASE_LUA = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then
  local recv = string.match(string.sub(v, #ARGV[1] + 1), '^([^|]*)')
  redis.call('SET', KEYS[1], ARGV[1] .. recv .. '|0', 'KEEPTTL')
  return 1
end
return 0`;

/** KEYS[1] the record; ARGV[1] 'P|<fingerprint>|'. Deletes that pending record, never a completed answer. */
export const IDEM_ABORT_LUA = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * KEYS[1..n] the streams (one hash tag on a Cluster); ARGV[1] group, ARGV[2] consumer, ARGV[3] COUNT, ARGV[4] '1'
 * for NOACK, ARGV[5] the number w of tenants whose entries come whole (ReadGroupRequest.payloadTenants),
 * ARGV[6..5+w] those tenants, ARGV[6+w] '1' when the tenants whose metric batches come whole are listed after it
 * (ReadGroupRequest.batchTenants), else '0'.
 * XREADGROUP of new entries (`>`), without BLOCK (a script may not block), where the payload field (FIELD_EVENTS,
 * FIELD_METRIC_BATCH, FIELD_METRIC_BATCH_BASE64 or FIELD_METRICS) of an entry that names a tenant (FIELD_TENANT) and carries no mark
 * (FIELD_ALERTS, FIELD_CONFIG_CHANGED) is emptied when that tenant is not listed, or when the entry is a metric
 * batch and batch tenants are listed without it: the group moves on (and, without NOACK, holds the entry pending)
 * exactly as with a plain read, but the payload is neither sent nor parsed. Returns XREADGROUP's reply
 * (`{{stream, {{id, fields}, ...}}, ...}`), `{}` when nothing is new.
 */
export const READ_THIN_LUA = `
local cmd = {'XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3]}
if ARGV[4] == '1' then cmd[#cmd + 1] = 'NOACK' end
cmd[#cmd + 1] = 'STREAMS'
for i = 1, #KEYS do cmd[#cmd + 1] = KEYS[i] end
for i = 1, #KEYS do cmd[#cmd + 1] = '>' end
local reply = redis.call(unpack(cmd))
if not reply then return {} end
local w = tonumber(ARGV[5])
local whole, batches = {}, nil
for i = 6, 5 + w do whole[ARGV[i]] = true end
if ARGV[6 + w] == '1' then
  batches = {}
  for i = 7 + w, #ARGV do batches[ARGV[i]] = true end
end
for _, s in ipairs(reply) do
  local entries = s[2]
  for j = 1, #entries do
    local f = entries[j][2]
    if f then
      local tenant, marked, at, batch = nil, false, nil, false
      for k = 1, #f - 1, 2 do
        local name = f[k]
        if name == '${FIELD_TENANT}' then tenant = f[k + 1]
        elseif name == '${FIELD_ALERTS}' or name == '${FIELD_CONFIG_CHANGED}' then marked = true
        elseif name == '${FIELD_EVENTS}' then at = k + 1
        elseif name == '${FIELD_METRIC_BATCH}' or name == '${FIELD_METRIC_BATCH_BASE64}' or name == '${FIELD_METRICS}' then at, batch = k + 1, true end
      end
      if tenant and at and not marked and (not whole[tenant] or (batch and batches and not batches[tenant])) then f[at] = '' end
    end
  end
end
return reply`;
