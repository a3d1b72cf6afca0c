// Typed lint rules: a floating promise is a lost error (or a lost write), so it is an error, not a warning.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const services = ['gateway', 'ingest', 'query', 'realtime', 'detector'];

// Folders and files of pure domain code (no I/O; see the rule at the end).
const PURE = [
  'lib/alerting', 'lib/api', 'lib/board', 'lib/conditions', 'lib/errors', 'lib/events', 'lib/limits', 'lib/patterns',
  'lib/prom', 'lib/promql', 'lib/public', 'lib/schedule', 'lib/text', 'lib/tsdb',
  'lib/auth/credentials.ts', 'lib/auth/principal.ts', 'lib/store/cursor.ts', 'lib/store/query.ts',
  'lib/streams/partition.ts', 'lib/streams/codec.ts', 'lib/streams/errors.ts',
  'ingest/normalize', 'ingest/parse',
  'detector/machines', 'detector/rules', 'detector/time',
  'realtime/channels.ts', 'realtime/cursor.ts', 'realtime/filter.ts', 'realtime/messages.ts', 'realtime/topics.ts',
];
const IO_PACKAGES = [
  'ioredis', 'mongodb', 'better-sqlite3', 'uWebSockets.js', '@grpc/grpc-js', 'ws', 'pg', 'mysql2', 'nodemailer', 'amqplib',
  'mqtt', 'nats', 'fs', 'net', 'http', 'https', 'dgram', 'dns', 'child_process', 'tls',
];
const PURE_NODE_MODULES = ['buffer', 'crypto', 'util', 'string_decoder', 'url', 'zlib', 'assert', 'events', 'perf_hooks'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'proto/gen/**', 'data/**', 'dist/**', 'coverage/**', '.tmp/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  // A service folder never imports another service folder (ARCHITECTURE.md).
  ...services.map((svc) => ({
    files: [`${svc}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: services
            .filter((other) => other !== svc)
            .map((other) => ({ group: [`**/${other}/*`, `**/${other}`], message: `${svc}/ must not import ${other}/: share code through lib/.` })),
        },
      ],
    },
  })),
  // Domain code stays free of I/O so it is tested fast and deterministically: every pure folder and file is listed
  // here (parsers, normalizers, cursors, filters, state machines, rule and PromQL evaluation, limits). Node's
  // built-ins are refused except the computing ones; so are every client library and our own I/O adapters.
  {
    files: PURE.map((p) => (p.endsWith('.ts') ? p : `${p}/**/*.ts`)),
    ignores: ['**/*.test.ts', '**/testing.ts', '**/testing/**', '**/testdata/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: IO_PACKAGES.map((name) => ({ name, message: 'domain code is free of I/O: take a port instead' })),
          patterns: [
            {
              group: ['node:*', ...PURE_NODE_MODULES.map((m) => `!node:${m}`)],
              message: 'domain code is free of I/O: only computing built-ins (buffer, crypto, util, …) are allowed',
            },
            {
              group: ['**/redis/*', '**/sqlite/*', '**/mongodb/*', '**/rpc/*', '**/http/server*', '**/lib/net/*', '**/streams/redis/*', '**/streams/memory/*'],
              allowTypeImports: true,
              message: 'domain code is free of I/O: depend on a port (types), not an adapter',
            },
            // This block replaces the per-service rule above for these files, so it repeats it.
            { group: services.flatMap((svc) => [`**/${svc}/*`, `**/${svc}`]), message: 'pure code does not import a service folder: share code through lib/.' },
          ],
        },
      ],
    },
  },
);
