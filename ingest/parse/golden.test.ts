// Golden files: real agent payloads (testdata/*) through parsePayload, compared with the reviewed expected
// output beside them. After a deliberate change: UPDATE_GOLDEN=1 npx vitest run ingest/parse/golden.test.ts,
// then read the diff of testdata/*.expected.json before committing it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NORMALIZE_LIMITS, normalize } from '../normalize/normalize.js';
import { createIdGenerator } from '../../lib/events/ids.js';
import { decodeBody, parsePayload } from './index.js';
import type { IngestEndpoint, ParseResult } from './index.js';

const dir = join(import.meta.dirname, 'testdata');
const NOW = Date.UTC(2024, 0, 5, 12, 0, 0);
const LIMITS = { maxItems: 1000, maxDepth: 32, maxLineBytes: 64 * 1024 };

interface Case {
  file: string;
  endpoint: IngestEndpoint;
  contentType: string;
  params?: Record<string, string>;
}

const CASES: Case[] = [
  { file: 'native-logs.json', endpoint: 'logs', contentType: 'application/json' },
  { file: 'native-metrics.ndjson', endpoint: 'metrics', contentType: 'application/x-ndjson' },
  { file: 'native-events.json', endpoint: 'events', contentType: 'application/json; charset=utf-8' },
  { file: 'native-heartbeats.json', endpoint: 'heartbeats', contentType: '' },
  { file: 'syslog-daemons.log', endpoint: 'logs', contentType: 'text/plain' },
  { file: 'access-nginx.log', endpoint: 'logs', contentType: 'text/plain; charset=utf-8', params: { target: 'nginx-edge' } },
  { file: 'access-apache.log', endpoint: 'logs', contentType: 'text/plain', params: { format: 'combined' } },
  { file: 'mixed-text.log', endpoint: 'logs', contentType: 'text/plain', params: { target: 'app-1' } },
  { file: 'prometheus-write.bin', endpoint: 'prometheus', contentType: 'application/x-protobuf' },
  { file: 'loki-push.json', endpoint: 'loki', contentType: 'application/json' },
  { file: 'loki-push.bin', endpoint: 'loki', contentType: 'application/x-protobuf' },
  { file: 'otlp-logs.json', endpoint: 'otlp_logs', contentType: 'application/json' },
  { file: 'otlp-logs.bin', endpoint: 'otlp_logs', contentType: 'application/x-protobuf' },
  { file: 'otlp-metrics.json', endpoint: 'otlp_metrics', contentType: 'application/json' },
  { file: 'otlp-metrics.bin', endpoint: 'otlp_metrics', contentType: 'application/x-protobuf' },
  { file: 'es-bulk-rsyslog.ndjson', endpoint: 'elasticsearch', contentType: 'application/json; charset=utf-8' },
  { file: 'es-bulk-filebeat.ndjson', endpoint: 'elasticsearch', contentType: 'application/x-ndjson' },
];

function run(c: Case): ParseResult {
  const body = readFileSync(join(dir, c.file));
  // The binary inputs are snappy-compressed as sent; Prometheus says so in Content-Encoding, Promtail does not.
  const decoded = c.endpoint === 'prometheus' ? decodeBody(body, 'snappy', 5 * 1024 * 1024) : body;
  return parsePayload({ endpoint: c.endpoint, contentType: c.contentType, body: decoded, params: c.params ?? {}, now: NOW }, LIMITS);
}

describe('golden files', () => {
  for (const c of CASES) {
    it(`${c.file} → ${c.endpoint}`, () => {
      const expectedPath = join(dir, `${c.file}.expected.json`);
      const actual = JSON.parse(JSON.stringify(run(c))) as unknown;
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(expectedPath)) {
        writeFileSync(expectedPath, `${JSON.stringify(actual, null, 1)}\n`);
      }
      expect(actual).toEqual(JSON.parse(readFileSync(expectedPath, 'utf8')));
    });
  }

  it('protobuf and JSON encodings of the same OTLP request give the same drafts', () => {
    for (const signal of ['logs', 'metrics'] as const) {
      const json = run({ file: `otlp-${signal}.json`, endpoint: `otlp_${signal}`, contentType: 'application/json' });
      const proto = run({ file: `otlp-${signal}.bin`, endpoint: `otlp_${signal}`, contentType: 'application/x-protobuf' });
      // JSON may carry nanosecond times as numbers where protobuf gives strings: compare canonical events.
      const events = (r: ParseResult) =>
        normalize(r.items, { tenant: 't', receivedAt: NOW, ids: createIdGenerator() }, DEFAULT_NORMALIZE_LIMITS).events.map(({ id: _id, ...rest }) => rest);
      expect(events(proto)).toEqual(events(json));
      expect(json.items.length).toBeGreaterThan(0);
    }
  });
});
