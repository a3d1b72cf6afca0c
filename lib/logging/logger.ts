// JSON logs with pino; one root logger per process, children carry the service name and request ids.
import { pino, type Logger } from 'pino';
import type { LogLevelName } from '../config/config.js';

export type { Logger };

export function createLogger(options: { level: LogLevelName; service: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ? (options.destination as pino.DestinationStream) : pino.destination({ sync: false }),
  );
}

export function requestLogger(logger: Logger, requestId: string): Logger {
  return logger.child({ requestId });
}
