// The OpenAPI document, the router and the validators agree: every route the router accepts is documented
// and every documented operation is accepted; every $ref resolves.
import { PROM_BASE, PROM_PATHS, promRequestFromHttp, PromRouteError } from '../prom/routes.js';
import { AM_BASE, AM_PATHS, amRequestFromHttp, AmRouteError } from '../am/routes.js';
import { describe, expect, it } from 'vitest';
import { EVENT_COLLECTIONS } from './params.js';
import { openApiDocument, pingPaths } from './openapi.js';

// The compat ping URLs are gateway routes, not /api router ones: test/gateway/ping-compat.test.ts covers them.
const PING_PATHS = new Set(Object.keys(pingPaths()));
import { apiCallFromHttp, RESOURCE_ROUTES, routePath } from './routes.js';
import { INGEST_PATHS } from './ingest-paths.js';

type Json = Record<string, unknown>;
const doc = openApiDocument as Json & { paths: Record<string, Record<string, Json>>; components: Json };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function documented(): Set<string> {
  const out = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) for (const m of Object.keys(item)) if (METHODS.includes(m) && !PING_PATHS.has(path)) out.add(`${m.toUpperCase()} ${path}`);
  return out;
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with the three security schemes and the error shape', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys((doc.components as { securitySchemes: Json }).securitySchemes).sort()).toEqual(['apiKeyHeader', 'basicAuth', 'bearerAuth']);
    expect((doc.components as { schemas: Record<string, Json> }).schemas.Error).toMatchObject({ required: ['error'] });
    expect(() => JSON.parse(JSON.stringify(doc))).not.toThrow();
  });

  it('documents exactly the routes the router accepts', () => {
    const accepted = new Set<string>([
      ...RESOURCE_ROUTES.map((r) => `${r.method} ${routePath(r)}`),
      ...Object.keys(EVENT_COLLECTIONS).map((c) => `GET /api/${c}`),
      'GET /api/metrics/series',
      'GET /api/openapi.json',
      ...PROM_PATHS.flatMap((p) => p.methods.map((m) => `${m} ${p.path}`)),
      ...AM_PATHS.map((p) => `${p.method} ${p.path}`),
      // /ingest is documented from the table the gateway registers its routes from (test/gateway/ingest-openapi.test.ts
      // asks the real gateway for each of them).
      ...INGEST_PATHS.flatMap((p) => p.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${p.path}`)),
    ]);
    expect([...documented()].sort()).toEqual([...accepted].sort());
  });

  it('has every documented operation accepted by the router, and the rest of each path refused', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      if (PING_PATHS.has(path)) continue;
      if (path.startsWith(PROM_BASE)) {
        for (const m of METHODS) {
          const call = (): unknown => promRequestFromHttp(m.toUpperCase(), path.replace('{name}', 'job'), new URLSearchParams(), Buffer.alloc(0), {});
          if (item[m]) expect(call, `${m} ${path}`).not.toThrow();
          else expect(call, `${m} ${path}`).toThrow(PromRouteError);
        }
        continue;
      }
      if (path.startsWith('/ingest/')) continue; // served by the gateway itself, not the /api router
      if (path.startsWith(AM_BASE)) {
        for (const m of METHODS) {
          const call = (): unknown => amRequestFromHttp(m.toUpperCase(), path.replace('{silenceID}', 'x1'), new URLSearchParams(), Buffer.alloc(0), {});
          if (item[m]) expect(call, `${m} ${path}`).not.toThrow();
          else expect(call, `${m} ${path}`).toThrow(AmRouteError);
        }
        continue;
      }
      const concrete = path.replace('{id}', 'x1');
      const params = path === '/api/metrics/series' ? { name: 'cpu' } : {};
      for (const m of METHODS) {
        const call = (): unknown => apiCallFromHttp(m.toUpperCase(), concrete, params, '');
        if (item[m]) expect(call, `${m} ${path}`).not.toThrow();
        else expect(call, `${m} ${path}`).toThrow(expect.objectContaining({ code: 'not_found' }));
      }
    }
  });

  it('says for each operation which scope it needs and how it fails', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(item)) {
        expect(['read', 'admin', 'ingest', 'public', undefined], `${m} ${path}`).toContain(op['x-lightwatch-scope']);
        const responses = op.responses as Record<string, unknown>;
        expect(Object.keys(responses).some((s) => s.startsWith('2')), `${m} ${path}`).toBe(true);
        if (op['x-lightwatch-scope'] === 'read' || op['x-lightwatch-scope'] === 'admin' || op['x-lightwatch-scope'] === 'ingest') expect(Object.keys(responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    expect(doc.paths['/api/auth/login']?.post?.security).toEqual([]);
    expect(doc.paths['/api/keys']?.get?.['x-lightwatch-scope']).toBe('admin');
    expect(doc.paths['/api/targets']?.get?.['x-lightwatch-scope']).toBe('read');
  });

  it('lists every ingest path of the contract (CONTRACTS.md, "Ingest")', () => {
    const contract = [
      'POST /ingest/metrics',
      'POST /ingest/logs',
      'POST /ingest/events',
      'POST /ingest/heartbeats',
      'GET /ingest/heartbeat/{target}',
      'POST /ingest/heartbeat/{target}',
      'GET /ingest/heartbeat/{target}/{suffix}',
      'POST /ingest/heartbeat/{target}/{suffix}',
      'POST /ingest/prometheus/write',
      'POST /ingest/loki/api/v1/push',
      'POST /ingest/otlp/v1/logs',
      'POST /ingest/otlp/v1/metrics',
      'POST /ingest/elasticsearch/_bulk',
      'POST /ingest/telegram/{secret}',
    ];
    expect([...documented()]).toEqual(expect.arrayContaining(contract));
    expect(doc.paths['/ingest/logs']?.post?.['x-lightwatch-scope']).toBe('ingest');
    expect(doc.paths['/ingest/telegram/{secret}']?.post?.security).toEqual([]);
  });

  it('gives every operation a unique operationId', () => {
    const opIds = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(opIds.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(opIds).size).toBe(opIds.length);
  });

  it('resolves every $ref', () => {
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(50);
    for (const r of new Set(refs)) {
      let node: unknown = doc;
      for (const part of r.replace(/^#\//, '').split('/')) node = (node as Json | undefined)?.[part];
      expect(node, r).toBeTypeOf('object');
    }
  });

  it('documents request bodies from the validators, strict and with defaults', () => {
    const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
    expect(schemas.TargetInput).toMatchObject({ additionalProperties: false, required: ['name', 'kind'] });
    expect((schemas.RuleInput as { oneOf: unknown[] }).oneOf).toHaveLength(6);
    expect(JSON.stringify(schemas.SilenceInput)).toContain('date-time');
    expect(schemas.TargetPatch).not.toHaveProperty('required');
  });
});
