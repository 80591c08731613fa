// ESLint (flat config): typescript-eslint's recommended rules, plus the package boundaries that
// test/architecture/package-graph.test.ts also checks: the kernel imports no other workspace package,
// no package reaches into another's folder by a relative path (tests may), and no import cycle within a package.
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', '**/dist/**', '.tap/**', 'data/**', 'test/sandbox/fixtures/**/bundle.js', 'test/fixtures/**/dist/**', 'test/fixtures/lint/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,js,mjs}'],
    plugins: { 'import-x': importX },
    // Our sources import `./x.js` and the file is `x.ts`: resolve as TypeScript does, so import rules see real files.
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mjs', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })],
      'import-x/extensions': ['.ts', '.mjs', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      'import-x/no-relative-packages': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      // A module cycle makes load order decide what is undefined at import time; type-only imports do not count.
      'import-x/no-cycle': ['error', { ignoreExternal: true, allowUnsafeDynamicCyclicDependency: false }],
      // Type-only imports stay type-only, so a package's types never load its code.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Tests and a few protocol edges read untyped JSON; `any` is allowed there with a reason, not banned.
      '@typescript-eslint/no-explicit-any': 'off',
      'no-empty': ['error', { allowEmptyCatch: false }],
      // `let x!: T` assigned once after closures that read it is the point of the `!`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests belong to the root package and unit-test other packages' internals by path on purpose.
    files: ['test/**/*.{ts,js,mjs}'],
    rules: { 'import-x/no-relative-packages': 'off' },
  },
  {
    // The kernel knows no plugin: it may import no other workspace package.
    files: ['runtime/**/*.{ts,js,mjs}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@dogan/*', '!@dogan/runtime', '!@dogan/runtime/*'], message: 'The kernel imports no plugin or other workspace package; take what you need as a service or option.' }] }],
    },
  },
);
