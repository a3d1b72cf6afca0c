// `lightwatch probe`: a remote probe agent. Wiring only: config, logger, the HTTP ports, the agent, signals.
import { pino } from 'pino';
import { PROBES } from '../checks/kinds/index.js';
import { createGuard } from '../../lib/net/guard.js';
import { runCheck } from '../checks/probe.js';
import { createProbeAgent } from './agent.js';
import type { ProbeConfig } from './config.js';
import { createHttpPorts } from './http.js';

export async function runProbe(config: Readonly<ProbeConfig>): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { service: 'probe', location: config.location } });
  const guard = createGuard(config.checkAllowedNetworks);
  const agent = createProbeAgent({
    location: config.location,
    ...createHttpPorts(config.url, config.apiKey),
    runCheck: (check, stop) => runCheck(check, PROBES, stop, guard),
    now: Date.now,
    onError: (err, what) => logger.warn({ err }, `${what} failed`),
    refreshMs: config.refreshMs,
    concurrency: config.concurrency,
  });
  await agent.refresh();
  agent.start();
  logger.info({ targets: agent.scheduled, url: config.url }, 'probe started');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      logger.info('stopping');
      agent.close().then(resolve, resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
