// The one catch-all at the uWS boundary: every HTTP route handler registered on an app runs inside it, so a
// handler that throws (synchronously or in the promise it returns) answers the JSON error shape instead of
// reaching Node's uncaught-exception path, which would end the process for every client.
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { sendError, trackAbort } from './respond.js';

export type RouteHandler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;
export type OnHandlerError = (err: unknown) => void;

const ROUTE_METHODS = ['get', 'post', 'put', 'patch', 'del', 'any', 'head', 'options', 'connect', 'trace'] as const;

/** Wraps one handler: any error it throws or rejects with is answered once (if nothing was answered yet). */
export function guarded(handler: RouteHandler, onError: OnHandlerError): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    // Registered first so the abort state exists even when the handler throws before registering its own.
    const state = trackAbort(res);
    const fail = (err: unknown): void => {
      const e = sendError(res, state, err);
      if (e.httpStatus >= 500) onError(err);
    };
    try {
      const out = handler(res, req);
      if (out) out.catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}

/** Makes every route registered on `app` from now on run through `guarded`. Returns the same app. */
export function guardRoutes(app: TemplatedApp, onError: OnHandlerError): TemplatedApp {
  for (const method of ROUTE_METHODS) {
    const register: (pattern: string, handler: RouteHandler) => TemplatedApp = app[method].bind(app);
    const wrapped = (pattern: string, handler: RouteHandler): TemplatedApp => {
      register(pattern, guarded(handler, onError));
      return app;
    };
    Object.defineProperty(app, method, { value: wrapped, configurable: true, writable: true });
  }
  return app;
}
