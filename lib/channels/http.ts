// One HTTP request over node:http/https with keep-alive agents. The notifier sends bursts (every incident of
// an outage at once); this costs about a fifth of the CPU of `fetch` per request here, which is what bounded
// a burst's delivery rate. The first bytes of the answer are kept for the audit (a receiver's 4xx says why).
// Held to a network guard (NOTIFY_ALLOWED_NETWORKS): an IP literal is checked before the request, a name by
// `guard.lookup` when a socket connects (to the very address it checked); each guard has its own keep-alive
// agents, so a socket is only ever reused under the guard that connected it. Redirects are never followed
// (node:http does not): a 3xx is the answer, a failed delivery.
import http from 'node:http';
import https from 'node:https';
import { admitUrl, UNRESTRICTED, type NetworkGuard } from '../net/guard.js';

interface Agents {
  http: http.Agent;
  https: https.Agent;
}

const agentsByGuard = new WeakMap<NetworkGuard, Agents>();

function agentsOf(guard: NetworkGuard): Agents {
  let agents = agentsByGuard.get(guard);
  if (!agents) {
    agents = { http: new http.Agent({ keepAlive: true, maxSockets: 256 }), https: new https.Agent({ keepAlive: true, maxSockets: 256 }) };
    agentsByGuard.set(guard, agents);
  }
  return agents;
}

const KEEP_BODY = 512;

export interface HttpResult {
  status: number;
  /** Retry-After in ms when the server sent one. */
  retryAfterMs: number;
  /** The first bytes of the response body. */
  body: string;
}

export class RequestTimeoutError extends Error {
  constructor(ms: number) {
    super(`timeout after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Fails with the guard's NotAllowedError when the address is outside its networks; nothing is sent then. */
export async function request(method: 'POST' | 'PUT', url: string, headers: Record<string, string>, body: string, timeoutMs: number, signal: AbortSignal, guard: NetworkGuard = UNRESTRICTED): Promise<HttpResult> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('invalid URL');
  }
  const secure = u.protocol === 'https:';
  if (!secure && u.protocol !== 'http:') throw new Error(`unsupported protocol ${u.protocol}`);
  // node:http never calls `lookup` for an IP literal: that is checked here.
  await admitUrl(guard, u);
  const agents = agentsOf(guard);
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      u,
      { method, agent: secure ? agents.https : agents.http, lookup: guard.lookup, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, signal },
      (res) => {
        let kept = '';
        res.setEncoding('utf8');
        // The rest of the body is drained, which frees the socket for the next request.
        res.on('data', (chunk: string) => {
          if (kept.length < KEEP_BODY) kept += chunk.slice(0, KEEP_BODY - kept.length);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const ra = Number(res.headers['retry-after'] ?? 0);
          resolve({ status: res.statusCode ?? 0, retryAfterMs: Number.isFinite(ra) && ra > 0 ? Math.min(60_000, ra * 1000) : 0, body: kept });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new RequestTimeoutError(timeoutMs)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
