// Lua scripts for partition leases and detector membership. Each one runs atomically, so "is it still mine?"
// and the write that depends on the answer cannot interleave with another detector's takeover. A lease key
// and its epoch key share one hash tag, so the scripts work unchanged on Redis Cluster.

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
