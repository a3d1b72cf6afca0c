// One POST over node:http/https with keep-alive agents. The notifier sends bursts (every incident of an
// outage at once); this costs about a fifth of the CPU of `fetch` per request here, which is what bounded a
// burst's delivery rate.
import http from 'node:http';
import https from 'node:https';

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

export interface PostResult {
  status: number;
  /** Retry-After in ms when the server sent one. */
  retryAfterMs: number;
}

export class PostTimeoutError extends Error {
  constructor(ms: number) {
    super(`timeout after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, signal: AbortSignal): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    if (!secure && u.protocol !== 'http:') return reject(new Error(`unsupported protocol ${u.protocol}`));
    const req = (secure ? https : http).request(
      u,
      { method: 'POST', agent: secure ? agents.https : agents.http, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, signal },
      (res) => {
        res.resume(); // the body is not needed; draining it frees the socket for the next request
        res.on('end', () => {
          clearTimeout(timer);
          const ra = Number(res.headers['retry-after'] ?? 0);
          resolve({ status: res.statusCode ?? 0, retryAfterMs: Number.isFinite(ra) && ra > 0 ? Math.min(60_000, ra * 1000) : 0 });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new PostTimeoutError(timeoutMs)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
