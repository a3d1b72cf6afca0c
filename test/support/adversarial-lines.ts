// Test and benchmark data for the line parsers: each of them by name, and lines built to make a scanner
// backtrack or rescan. ingest/parse/parsers.property.test.ts checks the parsers' work stays linear on these
// (counted in steps); bench/parse.bench.ts says how fast they are on them.
import { levelInLine } from '../../ingest/parse/levels.js';
import { parseLabelSet } from '../../ingest/parse/loki.js';
import { parseAccessLog } from '../../ingest/parse/text/access.js';
import { parseLogfmt } from '../../ingest/parse/text/logfmt.js';
import { parsePlain } from '../../ingest/parse/text/plain.js';
import { parseRfc3164, parseRfc5424 } from '../../ingest/parse/text/syslog.js';
import { detectLine } from '../../ingest/parse/text/text.js';

/** Every parser of one log line, by name; `now` completes timestamps without a year. */
export function lineParsers(now: number): [string, (s: string) => unknown][] {
  return [
    ['rfc5424', parseRfc5424],
    ['rfc3164', (s) => parseRfc3164(s, now)],
    ['access', parseAccessLog],
    ['logfmt', parseLogfmt],
    ['plain', parsePlain],
    ['detect', (s) => detectLine(s, now)],
    ['labelset', parseLabelSet],
    ['levelInLine', levelInLine],
  ];
}

/** Lines built to make a scanner backtrack or rescan: long runs of what opens a token and never closes it. */
export const ADVERSARIAL_LINES: [string, (n: number) => string][] = [
  ['pri and spaces', (n) => '<1>' + ' '.repeat(n)],
  ['brackets', (n) => '['.repeat(n)],
  ['quotes', (n) => '"'.repeat(n)],
  ['backslashes then a quote', (n) => '\\'.repeat(n) + '"'],
  ['open quoted values', (n) => 'a="'.repeat(Math.floor(n / 3))],
  ['one long value', (n) => '=' + 'a'.repeat(n)],
  ['escaped quotes in brackets', (n) => 'x [' + '"\\'.repeat(Math.floor(n / 2))],
  ['a long host', (n) => 'Jan  5 10:00:01 ' + 'h'.repeat(n)],
  ['level words', (n) => 'level'.repeat(Math.floor(n / 5))],
  ['label set of backslashes', (n) => '{a="' + '\\'.repeat(n)],
  ['open structured data', (n) => '<165>1 - - - - - ' + '[x a="'.repeat(Math.floor(n / 6))],
];
