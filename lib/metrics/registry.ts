// One prom-client registry per process with the default process metrics (CPU, memory, event loop lag, GC).
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry };

export function createRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, prefix: 'lightwatch_' });
  return registry;
}
