/** ESM-only packages that engine code imports; ts-jest turns them into CommonJS like our own sources. */
const ESM_PACKAGES = ['p-limit', 'yocto-queue', '@actions/workflow-parser', '@actions/expressions'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking is done once by `tsc --noEmit`; jest only transpiles.
  transform: {
    '^.+\\.ts$': 'ts-jest',
    '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  // These publish only an `import` export condition, which jest's CommonJS resolver does not follow.
  moduleNameMapper: {
    '^@actions/(workflow-parser|expressions)$': '<rootDir>/node_modules/@actions/$1/dist/index.js',
    '^@actions/(workflow-parser|expressions)/(.*)$': '<rootDir>/node_modules/@actions/$1/dist/$2.js',
  },
  testTimeout: 120000,
  testSequencer: '<rootDir>/test/support/slow-first-sequencer.cjs',
  // Jest's default leaves a core idle; most test time is Terraform waiting on the emulator or on its provider's start.
  maxWorkers: '100%',
};
