/**
 * The second run of `.ci/run`: the test files that touch the shared test Redis, once more against
 * the local Redis Cluster (REDIS_TEST_CLUSTER_NODES; `npm run test:cluster`). Not the whole suite:
 * pure units and the embedded default (ioredis-mock, PGlite) do not change on a cluster, and CI
 * time is shared.
 *
 * Which files: every test file that reaches the tests' Redis through the helpers of
 * test/support/redis.ts or the kits built on them (REDIS_ENV, connectTestRedis, realAndMockRedis, testRedisFactory,
 * startWorld, startHarness, smsStack). Listed by what the file uses, not by name, so a new test
 * that takes its Redis from the helpers is in this run without anyone remembering to add it.
 * Tests that start a Redis of their own (test/support/processes.ts) stay single-Redis.
 *
 * The global teardown fails the run when a cluster node refused a command for spanning slots
 * (CROSSSLOT in its error statistics), even where the product swallowed the error.
 */
const fs = require('node:fs');
const path = require('node:path');
const base = require('./jest.config');

const USES_TEST_REDIS = /\b(REDIS_ENV|connectTestRedis|realAndMockRedis|testRedisFactory|startWorld|startHarness|smsStack)\b/;

function testFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.ts') && USES_TEST_REDIS.test(fs.readFileSync(p, 'utf8')) ? [p] : [];
  });
}

module.exports = {
  ...base,
  testMatch: testFiles(path.join(__dirname, 'test')),
  globalSetup: '<rootDir>/test/support/cluster-guard-setup.ts',
  globalTeardown: '<rootDir>/test/support/cluster-guard-teardown.ts',
};
