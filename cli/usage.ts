// The CLI's words: commands, usage text, and how a start-up failure is reported (one line, no stack trace
// unless LOG_LEVEL=debug).

export const SERVICES = ['gateway', 'ingest', 'query', 'realtime', 'detector'] as const;
export type ServiceName = (typeof SERVICES)[number];
export type Command = 'all' | ServiceName;

export const USAGE = `Usage: lightwatch <command>

Commands:
  all         run every service in one process on one port (PORT, default 8080)
  gateway     run the HTTP edge (/ingest/*, /api/*)
  ingest      run the ingest gRPC service and its persister
  query       run the query gRPC service
  realtime    run the WebSocket tier (/ws/*)
  detector    run the detector (state machines, incidents, notifications)
  probe       run a remote probe agent: the checks naming LOCATION, reported to LIGHTWATCH_URL with LIGHTWATCH_API_KEY
  help        show this text
  version     print the version

Configuration is read from the environment; see README.md.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseCommand(argv: readonly string[]): Command | 'help' | 'version' | 'probe' {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') return 'help';
  if (cmd === 'version' || cmd === '--version' || cmd === '-v') return 'version';
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])} after "${cmd}"`);
  if (cmd === 'probe') return 'probe';
  if (cmd === 'all' || (SERVICES as readonly string[]).includes(cmd)) return cmd as Command;
  throw new UsageError(`unknown command "${cmd}": expected one of all, ${SERVICES.join(', ')}, probe, help, version`);
}
