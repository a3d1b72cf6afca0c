// Vitest global setup: gives every test a real Redis — REDIS_URL when set, else a container when a Docker
// engine answers, else a local `redis-server` on a free port — and says whether MongoDB tests can run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalRedis } from '../../lib/redis/local-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    redisSource: string;
    mongoUrl: string;
    mongoSkipReason: string;
  }
}

async function dockerRedis(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  try {
    const { GenericContainer } = await import('testcontainers');
    const c = await new GenericContainer('redis:7').withExposedPorts(6379).start();
    return { url: `redis://${c.getHost()}:${c.getMappedPort(6379)}`, stop: async () => void (await c.stop()) };
  } catch {
    return undefined; // no container runtime: fall back to a local redis-server
  }
}

async function dockerMongo(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  try {
    const { GenericContainer } = await import('testcontainers');
    const c = await new GenericContainer('mongo:7').withExposedPorts(27017).start();
    return { url: `mongodb://${c.getHost()}:${c.getMappedPort(27017)}`, stop: async () => void (await c.stop()) };
  } catch {
    return undefined;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  let redisUrl = process.env.REDIS_URL ?? '';
  let redisSource = 'REDIS_URL';
  if (!redisUrl) {
    const docker = await dockerRedis();
    if (docker) {
      redisUrl = docker.url;
      redisSource = 'testcontainers';
      cleanups.push(docker.stop);
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'lw-test-redis-'));
      const local = await startLocalRedis({ dir, appendOnly: false });
      redisUrl = local.url;
      redisSource = 'local redis-server';
      cleanups.push(async () => {
        await local.stop();
        rmSync(dir, { recursive: true, force: true });
      });
    }
  }
  let mongoUrl = process.env.MONGODB_URL ?? '';
  let mongoSkipReason = '';
  if (!mongoUrl) {
    const docker = await dockerMongo();
    if (docker) {
      mongoUrl = docker.url;
      cleanups.push(docker.stop);
    } else {
      mongoSkipReason = 'no MongoDB: MONGODB_URL is unset and no Docker engine answers';
    }
  }
  project.provide('redisUrl', redisUrl);
  project.provide('redisSource', redisSource);
  project.provide('mongoUrl', mongoUrl);
  project.provide('mongoSkipReason', mongoSkipReason);
  return async () => {
    for (const c of cleanups.reverse()) await c();
  };
}
