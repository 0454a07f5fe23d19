import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'action/dist/', 'bin/', 'coverage/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: '@cdktf/provider-aws', message: 'Import provider bindings by deep path (@cdktf/provider-aws/lib/<resource>): the barrel costs seconds and hundreds of MB.' }],
      }],
    },
  },
  {
    // The engine and everything after it in the data flow read the input table, never CDKTF: the action bundle and
    // the command line stay small and start fast.
    files: ['engine/**/*.ts', 'report/**/*.ts', 'cli/**/*.ts', 'action/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['cdktf', 'constructs', '@cdktf/*'], message: 'No CDKTF after lib/ in the data flow.' },
          {
            regex: '(^|/)lib(/(index|session-manager-[a-z-]+|module-writer|private/.*))?$',
            message: 'Only lib/module-inputs and lib/module-input-check (no CDKTF) may be imported here.',
          },
        ],
      }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', process: 'readonly' } },
  },
  {
    // Plain CommonJS files.
    files: ['**/*.cjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
