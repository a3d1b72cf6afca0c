// The ingest service's public surface: the IngestApi implementation (served over gRPC by lib/rpc, or called
// in-process by the all-in-one gateway) and the persister that writes the streams to the store.
export { createIngestApi, type IngestApiDeps, type IngestService } from './service.js';
export type { IngestConfig } from './config.js';
export { createPersister, DEFAULT_PERSISTER_CONFIG, type Persister, type PersisterConfig, type PersisterDeps, type PersisterStats } from './persister/persister.js';
export { DEFAULT_NORMALIZE_LIMITS, type NormalizeLimits } from './normalize/normalize.js';
