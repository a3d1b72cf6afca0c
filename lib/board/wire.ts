// The status board and public status page as they travel as JSON (GET /api/board, GET /api/public/status/{slug}).
// Shared by the query service that builds them and the browser that reads them.
import type { TargetState } from './state.js';
import type { BucketSize, Strip } from './strip.js';

export interface BoardTarget {
  id: string;
  name: string;
  kind: string;
  labels: Record<string, string>;
  paused: boolean;
  state: TargetState;
  /** The live incident that makes the target down, pending or silenced (the most recent one). */
  incident?: { id: string; status: string; title: string; openedAt: number };
  /** Heartbeat targets: the last ping, and the expected interval. */
  lastHeartbeatAt?: number;
  heartbeatIntervalMs?: number;
  /** Heartbeat targets: when the next ping is expected (after the last one, by interval or cron schedule). */
  nextPingExpectedAt?: number;
  /** HTTP targets: the last check and its latency. */
  lastCheckAt?: number;
  latencyMs?: number;
  strip: Strip;
}

export interface Board {
  now: number;
  bucket: BucketSize;
  bucketMs: number;
  /** Start of the strip's first bucket. */
  start: number;
  counts: Record<TargetState, number>;
  targets: BoardTarget[];
}

export interface PublicTarget {
  name: string;
  state: TargetState;
  /** Uptime percentage per window (null: not monitored in that window). */
  uptime: Record<'24h' | '7d' | '30d' | '90d', number | null>;
  /** 90 daily segments. */
  strip: Strip;
}

export interface PublicIncident {
  title: string;
  target: string;
  status: string;
  openedAt: number;
  updates: Array<{ at: number; status: string; message: string }>;
}

export interface PublicStatus {
  slug: string;
  name: string;
  description: string;
  generatedAt: number;
  /** Start of the strip's first (daily) bucket. */
  stripStart: number;
  overall: 'operational' | 'degraded' | 'outage' | 'maintenance';
  sections: Array<{ name: string; targets: PublicTarget[] }>;
  incidents: PublicIncident[];
}
