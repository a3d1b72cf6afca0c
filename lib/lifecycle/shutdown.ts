// Graceful shutdown: on SIGTERM/SIGINT stop accepting, drain, close resources in order (each step in its own
// try/catch so one failure does not skip the rest), then exit 0; past the timeout exit 1.
import type { Logger } from 'pino';

export interface CloseStep {
  name: string;
  close: () => Promise<void> | void;
}

export class Lifecycle {
  private readonly steps: CloseStep[] = [];
  private closing: Promise<void> | undefined;
  private draining = false;

  constructor(private readonly logger: Logger) {}

  /** Steps close in reverse order of registration: what started last stops first. */
  onClose(name: string, close: CloseStep['close']): void {
    this.steps.push({ name, close });
  }

  get accepting(): boolean {
    return !this.draining;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.draining = true;
      for (const step of [...this.steps].reverse()) {
        try {
          await step.close();
          this.logger.debug({ step: step.name }, 'closed');
        } catch (err) {
          this.logger.error({ step: step.name, err }, 'close step failed');
        }
      }
    })();
    return this.closing;
  }

  /** Installs signal handlers that close and exit. */
  exitOnSignals(timeoutMs: number): void {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.draining) {
        this.logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      this.logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        this.logger.error({ timeoutMs }, 'shutdown timed out');
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      void this.close().then(() => {
        this.logger.info('stopped');
        this.logger.flush();
        process.exit(0);
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
}
