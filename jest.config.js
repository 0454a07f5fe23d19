/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking is done once by `tsc --noEmit`; jest only transpiles.
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 120000,
};
