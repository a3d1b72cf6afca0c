// Creating, binding and closing the uWS app. Refuses to run on uWS's slow JavaScript fallback: the native
// binary must have loaded (DEPENDENCIES.md).
import uWS, { type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';
import { guardRoutes, type OnHandlerError } from './guard.js';

export interface HttpServer {
  readonly app: TemplatedApp;
  readonly port: number;
  /** Stops accepting new connections (existing ones finish). Idempotent. */
  stopListening(): void;
  /** Closes every connection. Idempotent. */
  close(): void;
}

/** True when the native uWS addon loaded (its functions are native code), not the JS fallback. */
export function isNativeUws(): boolean {
  return typeof uWS.App === 'function' && String(uWS.App).includes('[native code]');
}

/**
 * A uWS app whose every HTTP route runs inside the boundary guard (lib/http/guard.ts): a handler that throws
 * answers 500 (or its error's status) and is reported to `onHandlerError`, never an uncaught exception.
 */
export function createApp(onHandlerError: OnHandlerError = () => undefined): TemplatedApp {
  if (!isNativeUws()) {
    throw new Error('uWebSockets.js native binary did not load; reinstall dependencies with `npm ci` on this platform');
  }
  return guardRoutes(uWS.App(), onHandlerError);
}

export function listen(app: TemplatedApp, host: string, port: number): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket: us_listen_socket | false) => {
      if (!socket) {
        reject(new Error(`cannot listen on ${host}:${port}: the port is in use or not allowed (set PORT to a free port)`));
        return;
      }
      let listening: us_listen_socket | null = socket;
      const bound = uWS.us_socket_local_port(socket);
      const stopListening = (): void => {
        if (listening) {
          uWS.us_listen_socket_close(listening);
          listening = null;
        }
      };
      resolve({
        app,
        port: bound,
        stopListening,
        close() {
          stopListening();
          (app as TemplatedApp & { close?: () => void }).close?.();
        },
      });
    });
  });
}
