// Every check kind's probe, by kind.
import type { ProbeTable } from '../probe.js';
import { amqpProbe, mqttProbe, natsProbe } from './brokers.js';
import { mysqlProbe, postgresProbe, redisProbe } from './databases.js';
import { dnsProbe } from './dns.js';
import { grpcProbe } from './grpc.js';
import { httpProbe } from './http.js';
import { pingProbe } from './ping.js';
import { scrapeProbe } from './scrape.js';
import { tcpProbe } from './tcp.js';
import { tlsProbe } from './tls.js';
import { websocketProbe } from './websocket.js';

export const PROBES: ProbeTable = {
  http: httpProbe,
  tcp: tcpProbe,
  dns: dnsProbe,
  ping: pingProbe,
  tls: tlsProbe,
  websocket: websocketProbe,
  grpc: grpcProbe,
  postgres: postgresProbe,
  mysql: mysqlProbe,
  redis: redisProbe,
  mqtt: mqttProbe,
  amqp: amqpProbe,
  nats: natsProbe,
  scrape: scrapeProbe,
};
