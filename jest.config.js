/** Tests are transpiled by SWC (fast); types are checked once by `npm run typecheck`. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  testTimeout: 20000,
  // Integration tests share one Redis and a few ports; two workers fit this 2-core machine.
  maxWorkers: 2,
};
