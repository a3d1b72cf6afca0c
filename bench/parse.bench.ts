// Micro-benchmark of the pure ingest path (not a test): how many events per second one core parses and
// normalizes, how fast the line parsers get through adversarial lines, and how fast a JSON bracket bomb is
// refused (the tests count these in steps; their speed is here). Run: node --import tsx bench/parse.bench.ts
import { gzipSync } from 'node:zlib';
import { createIdGenerator } from '../lib/events/ids.js';
import { DEFAULT_NORMALIZE_LIMITS, normalize } from '../ingest/normalize/normalize.js';
import { decodeBody, parsePayload } from '../ingest/parse/index.js';
import { tryParseJson } from '../ingest/parse/json.js';
import { ADVERSARIAL_LINES, lineParsers } from '../test/support/adversarial-lines.js';
import type { IngestEndpoint, ParseResult } from '../ingest/parse/index.js';
import { reportFigures } from './report.js';

const N = 1000;
const LIMITS = { maxItems: 10_000, maxDepth: 32, maxLineBytes: 64 * 1024 };
const NOW = Date.now();

/** ~300-byte structured logs, the benchmark payload. */
function jsonLogs(): Buffer {
  const items = Array.from({ length: N }, (_, i) => ({
    ts: new Date(NOW - (N - i) * 10).toISOString(),
    level: i % 10 === 0 ? 'error' : 'info',
    message: `GET /api/v1/orders/${100000 + i} completed with status 200 in ${(i % 97) + 3}ms for user u-${i % 500}`,
    service: `api-${i % 8}`,
    labels: { env: 'prod', region: 'eu-west-1' },
    request_id: `req-${i.toString(16).padStart(8, '0')}`,
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101',
    bytes: 1000 + i,
  }));
  return Buffer.from(JSON.stringify(items));
}

function textLines(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < N; i++) {
    switch (i % 4) {
      case 0:
        lines.push(`Jan  5 10:00:${String(i % 60).padStart(2, '0')} web-${i % 8} sshd[${1000 + i}]: Accepted publickey for deploy from 203.0.113.${i % 250} port ${40000 + i} ssh2`);
        break;
      case 1:
        lines.push(`203.0.113.${i % 250} - - [05/Jan/2024:10:00:${String(i % 60).padStart(2, '0')} +0000] "GET /api/items/${i} HTTP/1.1" ${i % 20 === 0 ? 503 : 200} ${512 + i} "-" "curl/8.5.0"`);
        break;
      case 2:
        lines.push(`ts=2024-01-05T10:00:${String(i % 60).padStart(2, '0')}Z level=info msg="request served" path=/api/items/${i} duration=${i % 97}ms`);
        break;
      default:
        lines.push(`2024-01-05 10:00:${String(i % 60).padStart(2, '0')},123 WARN [worker-${i % 4}] queue depth ${i} above threshold`);
    }
  }
  return Buffer.from(lines.join('\n'));
}

function time(label: string, events: number, fn: () => void): number {
  for (let i = 0; i < 30; i++) fn(); // warm up the JIT
  const rounds = 200;
  const t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  const perSec = (events * rounds) / secs;
  console.log(`${label.padEnd(44)} ${Math.round(perSec).toLocaleString('en-US').padStart(12)} events/s   ${((secs / rounds) * 1000).toFixed(3)} ms per ${events}`);
  return perSec;
}

function parse(endpoint: IngestEndpoint, contentType: string, body: Buffer): ParseResult {
  return parsePayload({ endpoint, contentType, body, params: {}, now: NOW }, LIMITS);
}

const json = jsonLogs();
const text = textLines();
const gz = gzipSync(json);
console.log(`JSON body: ${N} logs, ${json.length} bytes (${Math.round(json.length / N)} B/event); text body: ${N} lines, ${text.length} bytes; gzip: ${gz.length} bytes\n`);

const ids = createIdGenerator();
const ctx = { tenant: 'bench', receivedAt: NOW, ids };
const parsedJson = parse('logs', 'application/json', json);
const parsedText = parse('logs', 'text/plain', text);
if (parsedJson.items.length !== N || parsedText.items.length !== N) throw new Error('benchmark payload did not parse fully');

const pj = time('parse JSON array (logs)', N, () => parse('logs', 'application/json', json));
const pt = time('parse text lines (syslog/CLF/logfmt/plain)', N, () => parse('logs', 'text/plain', text));
time('gunzip + parse JSON array', N, () => parse('logs', 'application/json', decodeBody(gz, 'gzip', 5 * 1024 * 1024)));
const nj = time('normalize (JSON logs)', N, () => normalize(parsedJson.items, ctx, DEFAULT_NORMALIZE_LIMITS));
time('normalize (text logs)', N, () => normalize(parsedText.items, ctx, DEFAULT_NORMALIZE_LIMITS));
const pnj = time('parse + normalize JSON array', N, () => normalize(parse('logs', 'application/json', json).items, ctx, DEFAULT_NORMALIZE_LIMITS));
const pnt = time('parse + normalize text lines', N, () => normalize(parse('logs', 'text/plain', text).items, ctx, DEFAULT_NORMALIZE_LIMITS));
time('parse + normalize + JSON.stringify (codec)', N, () => JSON.stringify(normalize(parse('logs', 'application/json', json).items, ctx, DEFAULT_NORMALIZE_LIMITS).events));

console.log(`\nJSON logs: parse ${(1000 / pj * N).toFixed(3)} ms + normalize ${(1000 / nj * N).toFixed(3)} ms per ${N} events; text lines parse at ${(pt / pj).toFixed(2)}x the JSON rate`);

// Adversarial lines of 200k characters through every line parser: the slowest pair, in ns per character.
let worst = { ns: 0, what: '' };
for (const [family, line] of ADVERSARIAL_LINES) {
  const s = line(200_000);
  for (const [name, parseLine] of lineParsers(NOW)) {
    for (let i = 0; i < 3; i++) parseLine(s);
    const t = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) parseLine(s);
    const ns = Number(process.hrtime.bigint() - t) / 10 / s.length;
    if (ns > worst.ns) worst = { ns, what: `${name} on ${family}` };
  }
}
console.log(`adversarial lines (200k chars): slowest ${worst.ns.toFixed(1)} ns per character (${worst.what})`);
const bomb = '['.repeat(2_500_000) + ']'.repeat(2_500_000);
const tb = process.hrtime.bigint();
for (let i = 0; i < 100; i++) if (tryParseJson(bomb, 32).ok) throw new Error('the bracket bomb was accepted');
const bombMs = Number(process.hrtime.bigint() - tb) / 100 / 1e6;
console.log(`5 MB JSON bracket bomb refused in ${bombMs.toFixed(3)} ms`);

reportFigures('parse', [
  { name: 'adversarial line parse, slowest', value: worst.ns, unit: 'ns/char' },
  { name: '5 MB bracket bomb refused', value: bombMs, unit: 'ms' },
  { name: 'parse JSON array of logs', value: pj, unit: 'events/s' },
  { name: 'parse text lines', value: pt, unit: 'events/s' },
  { name: 'normalize', value: nj, unit: 'events/s' },
  { name: 'parse + normalize JSON', value: pnj, unit: 'events/s' },
  { name: 'parse + normalize text', value: pnt, unit: 'events/s' },
]);
