// Stream naming and partitioning: partition = hash(tenant, target) mod P, one Redis Cluster hash tag per
// partition so the layout works unchanged on Redis Cluster. Pure functions; no I/O.

export const DEFAULT_PARTITIONS = 16;

/** FNV-1a 32-bit over `tenant \0 target`: stable across processes and versions (a contract with stored data). */
export function partitionOf(tenant: string, target: string, partitions: number): number {
  // The two parts are hashed in turn rather than joined: ingest calls this once per event.
  let h = 0x811c9dc5;
  for (let i = 0; i < tenant.length; i++) h = Math.imul(h ^ tenant.charCodeAt(i), 0x01000193);
  h = Math.imul(h, 0x01000193); // the \0 separator (h ^ 0 === h)
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193);
  return (h >>> 0) % partitions;
}

export interface StreamNames {
  readonly prefix: string;
  readonly partitions: number;
  /** Event stream of one partition, e.g. `lw:{p3}:events`. */
  events(partition: number): string;
  /** All event streams, in partition order. */
  allEvents(): string[];
  /** The incidents and alerts stream, consumed by realtime. */
  incidents(): string;
  /** Key of the detector's lease on one partition (same hash tag as its stream). */
  lease(partition: number): string;
  /** Key holding the fencing epoch counter of one partition. */
  epoch(partition: number): string;
  /** Any other key under the prefix (idempotency records, rate limits, ...). */
  key(...parts: string[]): string;
}

export function streamNames(prefix: string, partitions: number): StreamNames {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
    throw new RangeError(`partitions must be an integer in 1..1024, got ${partitions}`);
  }
  const tag = (p: number): string => `{p${p}}`;
  const names: StreamNames = {
    prefix,
    partitions,
    events: (p) => `${prefix}:${tag(p)}:events`,
    allEvents: () => Array.from({ length: partitions }, (_, p) => names.events(p)),
    incidents: () => `${prefix}:{incidents}:stream`,
    lease: (p) => `${prefix}:${tag(p)}:lease`,
    epoch: (p) => `${prefix}:${tag(p)}:epoch`,
    key: (...parts) => [prefix, ...parts].join(':'),
  };
  return Object.freeze(names);
}

/** Consumer group names (ARCHITECTURE.md, "Streams"). */
export const GROUP_PERSIST = 'persist';
export const GROUP_DETECT = 'detect';
export const realtimeGroup = (replicaId: string): string => `realtime:${replicaId}`;
