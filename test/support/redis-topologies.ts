// Real Redis topologies for tests, on free ports: a Redis Cluster (3 masters + 3 replicas, `--cluster-enabled
// yes` and `redis-cli --cluster create … --cluster-replicas 1`) and a Sentinel-managed master (a master, a replica
// and one sentinel). Every process is ours and is stopped by the returned stop(); nothing fixed is assumed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startLocalRedis, type LocalRedis } from '../../lib/redis/local-server.js';

export interface TestCluster {
  /** `host:port` of every node (masters first as created). */
  nodes: Array<{ host: string; port: number }>;
  servers: LocalRedis[];
  stop(): Promise<void>;
}

async function until(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function infoOf(port: number, section: string, command: string[] = ['INFO', section]): Promise<string> {
  const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return String(await r.call(command[0] as string, ...command.slice(1)));
  } finally {
    r.disconnect();
  }
}

/** Starts a Redis Cluster of `masters` masters with one replica each; resolves once every slot is served. */
export async function startTestCluster(masters = 3): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-cluster-'));
  const servers: LocalRedis[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * 2; i++) {
      const nodeDir = join(dir, `n${i}`);
      mkdirSync(nodeDir);
      // The cluster bus gets a free port of its own: port + 10000 may be taken on a shared machine.
      const busPort = await freePort();
      servers.push(
        await startLocalRedis({
          dir: nodeDir,
          appendOnly: false,
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', join(nodeDir, 'nodes.conf'), '--cluster-port', String(busPort), '--cluster-node-timeout', '1000'],
        }),
      );
    }
    const addrs = servers.map((s) => `127.0.0.1:${s.port}`);
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (const s of servers) {
      await until(`cluster_state:ok on ${s.port}`, 30_000, async () => (await infoOf(s.port, '', ['CLUSTER', 'INFO'])).includes('cluster_state:ok'));
    }
    // Replicas attach and sync asynchronously; WAIT and failovers need them in sync.
    await until('every replica is in sync with its master', 60_000, async () => {
      let linked = 0;
      for (const s of servers) if (/master_link_status:up/.test(await infoOf(s.port, 'replication'))) linked++;
      return linked >= masters;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })), servers, stop };
}

export interface TestSentinel {
  master: LocalRedis;
  replica: LocalRedis;
  sentinels: Array<{ host: string; port: number }>;
  masterName: string;
  stop(): Promise<void>;
}

/** Starts a master, its replica and one sentinel watching them (quorum 1, fast failover for tests). */
export async function startTestSentinel(masterName = 'lwmaster'): Promise<TestSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-sentinel-'));
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const master = await startLocalRedis({ dir: join(dir, 'master'), appendOnly: false });
    started.push(master);
    const replica = await startLocalRedis({ dir: join(dir, 'replica'), appendOnly: false, extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
    started.push(replica);
    await until('the replica is linked', 30_000, async () => /master_link_status:up/.test(await infoOf(replica.port, 'replication')));
    const port = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    started.push({
      async stop() {
        if (child.exitCode === null) child.kill('SIGKILL');
        await exited;
      },
    });
    await until('the sentinel knows the master', 30_000, async () =>
      (await infoOf(port, '', ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName])).includes(String(master.port)),
    );
    return { master, replica, sentinels: [{ host: '127.0.0.1', port }], masterName, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
