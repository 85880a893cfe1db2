/** Jest runs TypeScript through SWC as ES modules (NODE_OPTIONS=--experimental-vm-modules, see package.json). */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@hourglass/migrations$': '<rootDir>/migrations/src/index.ts',
    '^@hourglass/(domain|crypto|db|platform|testing)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

// Loaded by Node itself (not through the transform), so it runs from the build: npm test builds first.
const withDatabase = {
  globalSetup: '<rootDir>/libs/testing/dist/global-setup.js',
  globalTeardown: '<rootDir>/libs/testing/dist/global-teardown.js',
};

export default {
  // Applies to every project (Jest reads it only at the top level); the system tests set their own.
  testTimeout: 30_000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,migrations,tools}/**/src/**/*.spec.ts', '<rootDir>/test/deploy/**/*.spec.ts'],
    },
    {
      ...base,
      ...withDatabase,
      displayName: 'int',
      testMatch: ['<rootDir>/{apps,libs,migrations,tools}/**/src/**/*.int-spec.ts'],
    },
    { ...base, ...withDatabase, displayName: 'e2e', testMatch: ['<rootDir>/apps/*/test/**/*.e2e-spec.ts'] },
    { ...base, ...withDatabase, displayName: 'system', testMatch: ['<rootDir>/test/system/**/*.system-spec.ts'] },
    { ...base, ...withDatabase, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'] },
  ],
};
