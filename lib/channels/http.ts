// One HTTP request over node:http/https with keep-alive agents. The notifier sends bursts (every incident of
// an outage at once); this costs about a fifth of the CPU of `fetch` per request here, which is what bounded
// a burst's delivery rate. The first bytes of the answer are kept for the audit (a receiver's 4xx says why).
import http from 'node:http';
import https from 'node:https';

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

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

export function request(method: 'POST' | 'PUT', url: string, headers: Record<string, string>, body: string, timeoutMs: number, signal: AbortSignal): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return reject(new Error('invalid URL'));
    }
    const secure = u.protocol === 'https:';
    if (!secure && u.protocol !== 'http:') return reject(new Error(`unsupported protocol ${u.protocol}`));
    const req = (secure ? https : http).request(
      u,
      { method, agent: secure ? agents.https : agents.http, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, signal },
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
