// What can be checked of the MongoDB adapter without a server: it fails fast and cleanly when none answers.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isLightwatchError } from '../../errors/errors.js';
import { createMongoStore } from './store.js';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('createMongoStore without a server', () => {
  it('rejects with a retryable unavailable error within serverSelectionTimeoutMS', async () => {
    const port = await closedPort();
    const started = Date.now();
    const err = await createMongoStore({ url: `mongodb://127.0.0.1:${port}/lw`, dbName: 'lw', serverSelectionTimeoutMS: 300 }).catch((e: unknown) => e);
    expect(isLightwatchError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'unavailable', retryable: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
