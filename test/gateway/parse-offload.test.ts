// Bodies staged on a parse worker thread (ingest/offload) are answered exactly as bodies parsed on the event loop:
// the same statuses, headers and bodies, errors included, for every protocol. Two gateways side by side, one that
// parses everything on the loop and one that hands every body to a worker (inline bound 0).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestbed, type Testbed } from '../support/gateway.js';
import { remoteWrite } from '../support/payloads.js';

const testdata = (file: string): Buffer => readFileSync(new URL(`../../ingest/parse/testdata/${file}`, import.meta.url));

type Case = [name: string, path: string, headers: Record<string, string>, body: Buffer | string];

const json = { 'content-type': 'application/json' };
const protobuf = { 'content-type': 'application/x-protobuf' };
const ndjson = { 'content-type': 'application/x-ndjson' };
const otlpJson = testdata('otlp-logs.json');

const CASES: Case[] = [
  ['OTLP logs JSON', '/ingest/otlp/v1/logs', json, otlpJson],
  ['OTLP logs protobuf', '/ingest/otlp/v1/logs', protobuf, testdata('otlp-logs.bin')],
  ['OTLP metrics JSON', '/ingest/otlp/v1/metrics', json, testdata('otlp-metrics.json')],
  ['OTLP metrics protobuf', '/ingest/otlp/v1/metrics', protobuf, testdata('otlp-metrics.bin')],
  ['OTLP logs JSON, gzip', '/ingest/otlp/v1/logs', { ...json, 'content-encoding': 'gzip' }, gzipSync(otlpJson)],
  ['OTLP malformed JSON', '/ingest/otlp/v1/logs', json, '{"resourceLogs": [{"scopeLogs": [}'],
  ['OTLP JSON that is not an object', '/ingest/otlp/v1/logs', json, '[1, 2]'],
  ['OTLP corrupt protobuf', '/ingest/otlp/v1/logs', protobuf, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])],
  ['OTLP over INGEST_MAX_ATTRIBUTES', '/ingest/otlp/v1/logs', json, JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ attributes: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: { intValue: i } })) }] }] }] })],
  ['OTLP too deep', '/ingest/otlp/v1/logs', json, `${'['.repeat(100)}${']'.repeat(100)}`],
  ['corrupt gzip', '/ingest/otlp/v1/logs', { ...json, 'content-encoding': 'gzip' }, Buffer.concat([gzipSync(otlpJson).subarray(0, 200), Buffer.alloc(50)])],
  ['gzip over the body limit', '/ingest/otlp/v1/logs', { ...json, 'content-encoding': 'gzip' }, gzipSync(Buffer.alloc(6 * 1024 * 1024, 32))],
  ['unsupported encoding', '/ingest/otlp/v1/logs', { ...json, 'content-encoding': 'br' }, otlpJson],
  ['unsupported media type', '/ingest/otlp/v1/logs', { 'content-type': 'text/csv' }, otlpJson],
  ['invalid UTF-8', '/ingest/logs', json, Buffer.from([0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d])],
  ['native logs', '/ingest/logs', json, testdata('native-logs.json')],
  ['native logs over INGEST_MAX_BATCH', '/ingest/logs', json, JSON.stringify(Array.from({ length: 101 }, () => ({ message: 'x' })))],
  ['native metrics NDJSON', '/ingest/metrics', ndjson, testdata('native-metrics.ndjson')],
  ['text logs', '/ingest/logs', { 'content-type': 'text/plain' }, testdata('syslog-daemons.log')],
  ['heartbeats (targets looked up on the loop)', '/ingest/heartbeats', json, testdata('native-heartbeats.json')],
  ['Loki JSON with bad entries', '/ingest/loki/api/v1/push', json, testdata('loki-push.json')],
  ['Loki protobuf', '/ingest/loki/api/v1/push', protobuf, testdata('loki-push.bin')],
  ['remote_write with bad samples', '/ingest/prometheus/write', { ...protobuf, 'content-encoding': 'snappy' }, testdata('prometheus-write.bin')],
  ['remote_write', '/ingest/prometheus/api/v1/write', { ...protobuf, 'content-encoding': 'snappy' }, remoteWrite([{ labels: [['__name__', 'up'], ['job', 'a']], samples: [[1, Date.now()]] }])],
  ['remote_write corrupt snappy', '/ingest/prometheus/api/v1/write', { ...protobuf, 'content-encoding': 'snappy' }, Buffer.from([0x40, 0x00, 0x01])],
  ['remote_write series over the label limit', '/ingest/prometheus/api/v1/write', { ...protobuf, 'content-encoding': 'snappy' }, remoteWrite([{ labels: [['__name__', 'wide'], ...Array.from({ length: 80 }, (_, i): [string, string] => [`l${i}`, 'v'])], samples: [[1, Date.now()]] }])],
  ['Elasticsearch bulk', '/ingest/elasticsearch/_bulk', ndjson, testdata('es-bulk-filebeat.ndjson')],
];

/** What a client sees; the Elasticsearch answer's `took` and ids vary between any two requests. */
async function seen(res: Response): Promise<unknown> {
  const text = await res.text();
  const body = text.replace(/"took":\d+/, '"took":0').replace(/"_id":"[0-9A-Z]{26}"/g, '"_id":"…"');
  return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body };
}

describe('parse workers answer as the event loop does', () => {
  let inline: Testbed;
  let offloaded: Testbed;
  beforeAll(async () => {
    const ingest = { maxAttributes: 50, maxItems: 100 };
    inline = await startTestbed({ ingest: { ...ingest, parseOffload: { workers: 0, inlineMaxBytes: 0, budgetBytes: 0 } } });
    offloaded = await startTestbed({ ingest: { ...ingest, parseOffload: { workers: 1, inlineMaxBytes: 0, budgetBytes: 64 * 1024 * 1024 } } });
  });
  afterAll(async () => {
    await inline?.close();
    await offloaded?.close();
  });

  it.each(CASES)('%s', async (_name, path, headers, body) => {
    const send = (bed: Testbed): Promise<Response> => fetch(`${bed.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bed.adminKey}`, ...headers }, body });
    const expected = await seen(await send(inline));
    expect(await seen(await send(offloaded))).toEqual(expected);
    expect(offloaded.handlerErrors).toEqual([]);
  });
});
