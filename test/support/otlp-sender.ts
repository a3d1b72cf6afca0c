// A separate client process for tests that measure the gateway's event loop: builds the largest OTLP requests
// (payloads.ts), sends them all at once and prints their statuses as JSON, so building and writing megabytes of
// body happens outside the process under test. Usage: node --import tsx otlp-sender.ts <base url> <api key>
import { largestOtlp } from './payloads.js';

const [url, key] = process.argv.slice(2);
// The costliest of each: JSON.parse of the largest logs body, and a protobuf decode of the largest metrics body.
const requests = [
  ['logs', largestOtlp('logs', 'json')],
  ['metrics', largestOtlp('metrics', 'protobuf')],
] as const;
process.stdout.write('ready\n');
// Sent when the test says go (a line on stdin), so the test measures from the first byte.
process.stdin.once('data', () => {
  void Promise.all(
    requests.map(async ([signal, { body, contentType }]) => {
      const res = await fetch(`${url}/ingest/otlp/v1/${signal}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });
      await res.arrayBuffer();
      return res.status;
    }),
  ).then((statuses) => {
    process.stdout.write(`${JSON.stringify(statuses)}\n`);
    process.exit(0);
  });
});
