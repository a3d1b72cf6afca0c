// A Redis Cluster whose nodes run on hosts of their own (test/support/netns-hosts.ts): `masters` masters and one
// replica each, every node on its host's address and the standard ports (6379, bus 16379), as on real machines.
// Also the operator moves the fault tests and benchmarks make: kill a node, find who serves a slot, move a slot
// to another master while clients use it (what `redis-cli --cluster reshard` does, for one slot).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sleep } from '../../lib/lifecycle/sleep.js';
import { createHosts, type HostNetwork, type NetHost } from './netns-hosts.js';

export interface ClusterNode {
  host: NetHost;
  /** `address:6379`. */
  readonly addr: string;
  process: ChildProcess;
  /** Kills redis-server with SIGKILL (a crashed machine, as far as Redis can tell). */
  kill(): Promise<void>;
  /** Starts it again from its nodes.conf (it rejoins; a replaced master comes back as a replica). */
  restart(): Promise<void>;
}

export interface HostCluster {
  net: HostNetwork;
  nodes: ClusterNode[];
  /** Seeds for clients: every node. */
  seeds: Array<{ host: string; port: number }>;
  /** A one-off client to a node (closed by the caller). */
  client(node: ClusterNode | string): Redis;
  /** The node serving `slot` as master now, by asking a live node. */
  ownerOf(slot: number): Promise<ClusterNode>;
  /** Moves `slot` (and its keys) from its master to `to`. */
  moveSlot(slot: number, to: ClusterNode): Promise<void>;
  /** Resolves once every node runs, reports cluster_state:ok, and every master has a replica in sync. */
  healthy(timeoutMs?: number): Promise<void>;
  /** INFO cpu's used_cpu_sys + used_cpu_user of a node, in seconds. */
  cpuSeconds(node: ClusterNode): Promise<number>;
  stop(): Promise<void>;
}

const PORT = 6379;

async function until(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Starts the cluster on 2 × masters hosts (the first `masters` nodes are the masters): hosts of its own, or `on`'s
 * (a network shared with other services; its owner closes it, and stop() then stops only the nodes). Undefined
 * when this machine cannot make namespaces.
 */
export async function startHostCluster(masters = 3, on?: { net: HostNetwork; hosts: readonly NetHost[] }): Promise<HostCluster | undefined> {
  if (on && on.hosts.length !== masters * 2) throw new Error(`a cluster of ${masters} masters needs ${masters * 2} hosts, got ${on.hosts.length}`);
  const net = on?.net ?? createHosts(masters * 2, 'redis');
  if (!net) return undefined;
  const hosts = on?.hosts ?? net.hosts;
  const dir = mkdtempSync(join(tmpdir(), 'lw-hostcluster-'));
  const nodes: ClusterNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.kill()));
    if (!on) net.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const client = (node: ClusterNode | string): Redis => {
    const addr = typeof node === 'string' ? node : node.addr;
    const [host, port] = addr.split(':') as [string, string];
    const r = new Redis(Number(port), host, { lazyConnect: false, maxRetriesPerRequest: 1, connectTimeout: 1_000, retryStrategy: () => null });
    r.on('error', () => undefined);
    return r;
  };
  const ask = async <T>(node: ClusterNode | string, f: (r: Redis) => Promise<T>): Promise<T> => {
    const r = client(node);
    try {
      return await f(r);
    } finally {
      r.disconnect();
    }
  };
  try {
    for (const host of hosts) {
      const nodeDir = join(dir, host.name);
      mkdirSync(nodeDir);
      const args = ['--port', String(PORT), '--bind', host.address, '--protected-mode', 'no', '--dir', nodeDir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', '1000'];
      const node: ClusterNode = {
        host,
        addr: `${host.address}:${PORT}`,
        process: host.spawn('redis-server', args),
        async kill() {
          const proc = node.process;
          if (proc.exitCode === null && proc.signalCode === null) {
            const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
            proc.kill('SIGKILL');
            await exited;
          }
        },
        async restart() {
          await node.kill();
          node.process = host.spawn('redis-server', args);
          await until(`redis on ${node.addr}`, 10_000, async () => (await ask(node, (r) => r.ping())) === 'PONG');
        },
      };
      nodes.push(node);
    }
    for (const n of nodes) await until(`redis on ${n.addr}`, 10_000, async () => (await ask(n, (r) => r.ping())) === 'PONG');
    if (masters >= 3) {
      const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => n.addr), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
      if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    } else {
      // redis-cli refuses fewer than 3 masters; the benchmarks want 1 and 2, so the same steps by hand.
      const per = Math.ceil(16384 / masters);
      for (let i = 0; i < masters; i++) await ask(nodes[i] as ClusterNode, (r) => r.call('CLUSTER', 'ADDSLOTSRANGE', String(i * per), String(Math.min(16383, (i + 1) * per - 1))));
      for (const n of nodes.slice(1)) await ask(n, (r) => r.call('CLUSTER', 'MEET', (nodes[0] as ClusterNode).host.address, String(PORT)));
      await until('every node knows every other', 30_000, async () => {
        for (const n of nodes) if (!String(await ask(n, (r) => r.call('CLUSTER', 'INFO'))).includes(`cluster_known_nodes:${nodes.length}`)) return false;
        return true;
      });
      for (let i = 0; i < masters; i++) {
        const id = String(await ask(nodes[i] as ClusterNode, (r) => r.call('CLUSTER', 'MYID')));
        await until('replica attached', 30_000, async () => (await ask(nodes[masters + i] as ClusterNode, (r) => r.call('CLUSTER', 'REPLICATE', id))) === 'OK');
      }
    }
    for (const n of nodes) await until(`cluster_state:ok on ${n.addr}`, 30_000, async () => String(await ask(n, (r) => r.call('CLUSTER', 'INFO'))).includes('cluster_state:ok'));
    await until('every replica in sync', 60_000, async () => {
      let linked = 0;
      for (const n of nodes) if (/master_link_status:up/.test(await ask(n, (r) => r.info('replication')))) linked++;
      return linked >= masters;
    });
  } catch (err) {
    await stop();
    throw err;
  }

  const byAddr = (addr: string): ClusterNode | undefined => nodes.find((n) => n.addr === addr);
  const live = (): ClusterNode[] => nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
  /** [slot start, end, master addr, master id] from a live node's CLUSTER SLOTS. */
  const slots = async (): Promise<Array<[number, number, string, string]>> => {
    for (const n of live()) {
      try {
        const raw = (await ask(n, (r) => r.call('CLUSTER', 'SLOTS'))) as Array<[number, number, [string, number, string]]>;
        return raw.map(([a, b, [h, p, id]]) => [a, b, `${h}:${p}`, id]);
      } catch {
        // try the next node
      }
    }
    throw new Error('no live node answers CLUSTER SLOTS');
  };
  const idOf = async (node: ClusterNode): Promise<string> => String(await ask(node, (r) => r.call('CLUSTER', 'MYID')));

  const ownerOf = async (slot: number): Promise<ClusterNode> => {
    const row = (await slots()).find(([a, b]) => slot >= a && slot <= b);
    const node = row && byAddr(row[2]);
    if (!node) throw new Error(`no master serves slot ${slot}`);
    return node;
  };

  return {
    net,
    nodes,
    seeds: nodes.map((n) => ({ host: n.host.address, port: PORT })),
    client,
    ownerOf,
    async moveSlot(slot, to) {
      const from = await ownerOf(slot);
      if (from === to) return;
      const [fromId, toId] = [await idOf(from), await idOf(to)];
      await ask(to, (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId));
      await ask(from, (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId));
      for (;;) {
        const keys = (await ask(from, (r) => r.call('CLUSTER', 'GETKEYSINSLOT', String(slot), '100'))) as string[];
        if (keys.length === 0) break;
        await ask(from, (r) => r.call('MIGRATE', to.host.address, String(PORT), '', '0', '5000', 'KEYS', ...keys));
      }
      // The new owner first, then the old one, then everyone else (redis-cli's order).
      await ask(to, (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', toId));
      await ask(from, (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', toId));
      for (const n of live()) if (n !== to && n !== from) await ask(n, (r) => r.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', toId)).catch(() => undefined);
    },
    async healthy(timeoutMs = 60_000) {
      for (const n of nodes) if (!live().includes(n)) await n.restart();
      for (const n of nodes) await until(`cluster_state:ok on ${n.addr}`, timeoutMs, async () => String(await ask(n, (r) => r.call('CLUSTER', 'INFO'))).includes('cluster_state:ok'));
      await until('every replica in sync', timeoutMs, async () => {
        let linked = 0;
        for (const n of nodes) if (/master_link_status:up/.test(await ask(n, (r) => r.info('replication')))) linked++;
        return linked >= masters;
      });
    },
    async cpuSeconds(node) {
      const info = await ask(node, (r) => r.info('cpu'));
      const num = (k: string): number => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
      return num('used_cpu_sys') + num('used_cpu_user');
    },
    stop,
  };
}
