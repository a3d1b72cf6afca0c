// Broker checks (mqtt, amqp, nats): connect with the ecosystem's own client; optionally a round trip
// (mqtt topic, nats subject: publish and receive the message back) or a queue that must exist (amqp).
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import mqtt from 'mqtt';
import { connect as natsConnect } from 'nats';
import type { CheckSettingsOf } from '../../../lib/api/check-settings.js';
import type { Probe } from '../probe.js';
import { hostOf } from '../../../lib/net/guard.js';
import { onAbort, withHost } from '../util.js';

export const mqttProbe: Probe<CheckSettingsOf['mqtt']> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    const host = hostOf(s.url);
    const url = withHost(s.url, await guard.address(host));
    const client = mqtt.connect(url, { connectTimeout: timeoutMs, reconnectPeriod: 0, clientId: `lightwatch-${randomUUID().slice(0, 12)}`, servername: host, clean: true });
    const cancel = onAbort(signal, () => client.end(true));
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () => reject(new Error('connection closed before CONNACK')));
      });
      if (s.topic !== undefined) {
        const topic = s.topic;
        const payload = `lightwatch-check ${randomUUID()}`;
        const back = new Promise<void>((resolve) => client.on('message', (t, m) => t === topic && m.toString() === payload && resolve()));
        await client.subscribeAsync(topic, { qos: 0 });
        await client.publishAsync(topic, payload, { qos: 0 });
        await back;
      }
      return { ok: true };
    } finally {
      cancel();
      await client.endAsync(true).catch(() => undefined);
    }
  },
};

export const amqpProbe: Probe<CheckSettingsOf['amqp']> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    const host = hostOf(s.url);
    const url = withHost(s.url, await guard.address(host));
    const conn = await amqp.connect(url, { timeout: timeoutMs, servername: host });
    conn.on('error', () => undefined);
    const cancel = onAbort(signal, () => void conn.close().catch(() => undefined));
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      if (s.queue !== undefined) {
        try {
          await ch.checkQueue(s.queue);
        } catch (err) {
          return { ok: false, error: /NOT_FOUND/.test(String((err as Error).message)) ? `queue ${JSON.stringify(s.queue)} does not exist` : (err as Error).message };
        }
      }
      await ch.close().catch(() => undefined);
      return { ok: true };
    } finally {
      cancel();
      await conn.close().catch(() => undefined);
    }
  },
};

export const natsProbe: Probe<CheckSettingsOf['nats']> = {
  async attempt(s, { signal, timeoutMs, guard }) {
    const u = new URL(s.url);
    const address = await guard.address(hostOf(s.url));
    const server = `${address.includes(':') ? `[${address}]` : address}:${u.port || '4222'}`;
    const nc = await natsConnect({
      servers: server,
      timeout: timeoutMs,
      reconnect: false,
      maxReconnectAttempts: 0,
      name: 'lightwatch-check',
      ...(u.username !== '' ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'tls:' ? { tls: {} } : {}),
    });
    const cancel = onAbort(signal, () => void nc.close().catch(() => undefined));
    try {
      if (s.subject !== undefined) {
        const sub = nc.subscribe(s.subject, { max: 1 });
        const payload = new TextEncoder().encode(`lightwatch-check ${randomUUID()}`);
        nc.publish(s.subject, payload);
        for await (const _m of sub) break;
      } else {
        await nc.flush();
      }
      return { ok: true };
    } finally {
      cancel();
      await nc.close().catch(() => undefined);
    }
  },
};
