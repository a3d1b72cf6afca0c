// The secrets of a heartbeat target's ping URLs, made when the target is created and none was given:
// a random UUID (Healthchecks' /ping/{uuid}) and a 32-character push token (Uptime Kuma's /api/push/{token}).
import { randomBytes, randomUUID } from 'node:crypto';
import type { HeartbeatCheck } from '../store/types.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function newPushToken(): string {
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps every character equally likely.
  let out = '';
  while (out.length < 32) for (const b of randomBytes(48)) if (b < 248 && out.length < 32) out += ALPHABET[b % 62];
  return out;
}

/** `hb` with a uuid and a push token, keeping those it has. */
export function withPingTokens<T extends HeartbeatCheck>(hb: T): T {
  return { ...hb, uuid: hb.uuid ?? randomUUID(), pushToken: hb.pushToken ?? newPushToken() };
}
