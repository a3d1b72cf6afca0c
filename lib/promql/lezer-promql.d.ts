// @prometheus-io/lezer-promql ships types that its package.json "exports" hides from NodeNext resolution.
declare module '@prometheus-io/lezer-promql' {
  import type { LRParser } from '@lezer/lr';
  export const parser: LRParser;
}
