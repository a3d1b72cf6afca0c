// Typed lint rules: a floating promise is a lost error (or a lost write), so it is an error, not a warning.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const services = ['gateway', 'ingest', 'query', 'realtime', 'detector'];

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
  // Domain code stays free of I/O so it is tested fast and deterministically.
  {
    files: ['lib/events/**/*.ts', 'lib/tsdb/**/*.ts', 'lib/streams/partition.ts', 'lib/streams/codec.ts', 'ingest/parse/**/*.ts', 'detector/machines/**/*.ts', 'detector/rules/**/*.ts', 'lib/promql/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['ioredis', 'node:net', 'node:fs', 'node:http', 'mongodb', 'better-sqlite3', 'uWebSockets.js', '@grpc/grpc-js'].map((name) => ({ name, message: 'domain code is free of I/O' })) },
      ],
    },
  },
);
