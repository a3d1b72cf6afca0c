// Public API of the realtime tier: attach it to a uWS app, and retire a replica's consumer groups.
export { attachRealtime, CLOSE } from './server.js';
export { DEFAULT_REALTIME_CONFIG, validateRealtimeConfig } from './config.js';
export { removeReplicaGroups, realtimeStreams } from './groups.js';
export { isNativeUws, assertNativeUws } from './native.js';
export { decodeVector as decodeCursor, encodeVector as encodeCursor, CursorError } from './cursor.js';
export type { Realtime, RealtimeConfig, RealtimeDeps } from './types.js';
