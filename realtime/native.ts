// uWebSockets.js silently falls back to a slow JavaScript implementation when its native binary does not load
// (DEPENDENCIES.md); realtime's throughput depends on the native one, so it refuses to run on the fallback.
import uWS from 'uWebSockets.js';

export function isNativeUws(): boolean {
  return String(uWS.App).includes('[native code]');
}

export function assertNativeUws(): void {
  if (!isNativeUws()) {
    throw new Error(
      `uWebSockets.js loaded its JavaScript fallback, not the native binary (Node ABI ${process.versions.modules}, ` +
        `${process.platform}-${process.arch}); is UWS_USE_FALLBACK set, or does the package lack a binary for this Node?`,
    );
  }
}
