// A local stand-in for the services channels post to: records each request and answers as the service
// would after checking it against the service's documented request shape (services.ts). Tests point a
// channel's base URL here.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Captured {
  method: string;
  /** Path with query string. */
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  /** Parsed JSON or form body; null when neither. */
  body: unknown;
  /** What the service's documented shape check found wrong (empty = valid). */
  problems: string[];
}

export type ShapeCheck = (req: Omit<Captured, 'problems'>) => string[];

export interface ServiceReceiver {
  url: string;
  requests: Captured[];
  /** Overrides the status for the n-th request (default: 400 when the shape is wrong, else `okStatus`). */
  status?: (n: number) => number;
  close(): Promise<void>;
}

export async function startServiceReceiver(check: ShapeCheck, okStatus = 200, okBody = '{}'): Promise<ServiceReceiver> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const type = String(req.headers['content-type'] ?? '');
      let body: unknown = null;
      try {
        if (type.startsWith('application/json')) body = JSON.parse(raw);
        else if (type.startsWith('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
      } catch {
        body = null;
      }
      const base = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body };
      const problems = check(base);
      const n = requests.push({ ...base, problems }) - 1;
      const status = rx.status?.(n) ?? (problems.length > 0 ? 400 : okStatus);
      res.writeHead(status, { 'content-type': 'application/json' }).end(status < 300 ? okBody : JSON.stringify({ errors: problems }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const rx: ServiceReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return rx;
}
