// Defaults and validation of RealtimeConfig. Pure; the process wiring parses the environment and passes the result.
import type { RealtimeConfig } from './types.js';

export const DEFAULT_REALTIME_CONFIG: Readonly<Omit<RealtimeConfig, 'replicaId'>> = Object.freeze({
  maxBufferBytes: 4 * 1024 * 1024,
  laggedGraceMs: 15_000,
  maxConnections: 20_000,
  maxConnectionsPerTenant: 2_000,
  maxClientMessageBytes: 16 * 1024,
  clientMessagesPerSec: 50,
  idleTimeoutSec: 60,
  // A read per remote_write request (two per 1000 samples at ~140 requests/s) cost the reader ~0.37 µs per sample
  // more than reads 25 ms apart (a pass-over reader in a process of its own, .tmp micro, load 6-7): each read is
  // a command written, a reply decoded and a loop turn, whatever it brings.
  readLingerMs: 25,
});

/** Throws a RangeError naming the field and the expected form. */
export function validateRealtimeConfig(c: RealtimeConfig): RealtimeConfig {
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(c.replicaId)) {
    throw new RangeError(`realtime replicaId must be 1-100 characters of [A-Za-z0-9_.:-], got '${c.replicaId.slice(0, 100)}'`);
  }
  const positive = ['maxBufferBytes', 'maxConnections', 'maxConnectionsPerTenant', 'maxClientMessageBytes', 'clientMessagesPerSec'] as const;
  for (const k of positive) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new RangeError(`realtime ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.readLingerMs !== undefined && (!Number.isInteger(c.readLingerMs) || c.readLingerMs < 0 || c.readLingerMs > 1_000)) {
    throw new RangeError(`realtime readLingerMs must be an integer in 0..1000, got ${c.readLingerMs}`);
  }
  // 0 closes a lagged client at the next check.
  if (!Number.isInteger(c.laggedGraceMs) || c.laggedGraceMs < 0) throw new RangeError(`realtime laggedGraceMs must be an integer >= 0, got ${c.laggedGraceMs}`);
  // uWS aborts the whole process (std::terminate, not an exception) on an idleTimeout below 8 (except 0 = never)
  // or above 960 seconds, so this must fail first, with a message.
  if (!Number.isInteger(c.idleTimeoutSec) || (c.idleTimeoutSec !== 0 && c.idleTimeoutSec < 8) || c.idleTimeoutSec > 960) {
    throw new RangeError(`realtime idleTimeoutSec must be 0 or an integer in 8..960, got ${c.idleTimeoutSec}`);
  }
  return Object.freeze({ ...c });
}
