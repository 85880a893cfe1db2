import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Who may import whom (docs/architecture.md, "Libs and import boundaries"). Apps never import apps. */
const boundaries = (testing) => [
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:platform', 'type:data-access', 'type:domain', 'type:util', ...testing],
  },
  // The platform's Nest module provides the DataSource, repositories and pg-boss (docs/decisions/0001).
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:domain', 'type:data-access', 'type:util'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:domain', 'type:util'] },
  {
    sourceTag: 'type:domain',
    onlyDependOnLibsWithTags: [],
    bannedExternalImports: ['@nestjs/*', 'typeorm', 'pg', 'pg-boss', 'undici', 'fastify'],
  },
  {
    sourceTag: 'type:util',
    onlyDependOnLibsWithTags: [],
    bannedExternalImports: ['@nestjs/*', 'typeorm', 'pg', 'pg-boss'],
  },
  { sourceTag: 'type:migrations', onlyDependOnLibsWithTags: ['type:data-access', 'type:domain'] },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:data-access', 'type:platform', 'type:domain', 'type:util', 'type:migrations'],
  },
  {
    sourceTag: 'type:tool',
    onlyDependOnLibsWithTags: ['type:migrations', 'type:data-access', 'type:domain', 'type:util', 'type:testing'],
  },
];

const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.fixture.ts', '**/test/**/*.ts'];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '.hourglass/**', '.nx/**', '.ci/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints: boundaries([]) }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Prettier wraps code at 120; this catches the comments it leaves alone (strings and SQL may run longer).
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  {
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints: boundaries(['type:testing']) }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
];
