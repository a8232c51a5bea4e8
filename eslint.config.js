// Lint: typescript-eslint with type-aware rules; the async rules catch the
// commonest daemon bug (a promise nobody awaits in a watch or reconcile loop).
import tseslint from 'typescript-eslint';

/** layer forbids files matching `files` (minus `ignores`) to import the listed sibling component folders of src/
 * (a folder's own files are reached by relative paths that never name another component). */
function layer(files, forbidden, ignores = []) {
  const own = (f) => files.some((g) => g.startsWith(`src/${f}/`));
  const groups = forbidden.filter((f) => !own(f)).map((f) => `**/src/${f}/**`).concat(
    forbidden.filter((f) => !own(f)).map((f) => `../${f}/**`), forbidden.filter((f) => !own(f)).map((f) => `../../${f}/**`));
  return [{ files, ignores, rules: { 'no-restricted-imports': ['error', { patterns: [{ group: groups, message: 'this component may not import that one (see DESIGN.md)' }] }] } }];
}

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', 'src/api/generated/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's test()/describe() return promises the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      'no-restricted-syntax': ['error',
        { selector: 'TSEnumDeclaration', message: 'erasable TypeScript only: use a union + as const' },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'erasable TypeScript only' },
        { selector: 'TSParameterProperty', message: 'erasable TypeScript only' },
        { selector: 'Decorator', message: 'erasable TypeScript only' }],
    },
  },
  // The folder tree is the architecture: each component imports only what DESIGN.md allows.
  ...layer(['src/api/**/*.ts'], ['store', 'apiserver', 'client', 'scheduler', 'controllers', 'agent', 'runtime', 'network', 'cli', 'pki']),
  ...layer(['src/pki/**/*.ts'], ['store', 'apiserver', 'client', 'scheduler', 'controllers', 'agent', 'runtime', 'network', 'cli', 'api']),
  ...layer(['src/store/**/*.ts'], ['apiserver', 'client', 'scheduler', 'controllers', 'agent', 'runtime', 'network', 'cli', 'pki']),
  ...layer(['src/apiserver/**/*.ts'], ['client', 'scheduler', 'controllers', 'agent', 'runtime', 'network', 'cli']),
  // Integration tests of client and controllers start a real API server (and, for the controllers, a real CA).
  ...layer(['src/client/**/*.ts'], ['store', 'apiserver', 'scheduler', 'controllers', 'agent', 'runtime', 'network', 'cli', 'pki'], ['src/client/**/*.int.test.ts']),
  ...layer(['src/controllers/**/*.ts'], ['store', 'apiserver', 'scheduler', 'agent', 'runtime', 'network', 'cli', 'pki'], ['src/controllers/**/*.int.test.ts', 'src/controllers/int-harness.ts']),
  ...layer(['src/scheduler/**/*.ts'], ['store', 'apiserver', 'controllers', 'agent', 'runtime', 'network', 'cli', 'pki'], ['src/scheduler/**/*.int.test.ts']),
  ...layer(['src/runtime/**/*.ts'], ['store', 'apiserver', 'client', 'scheduler', 'controllers', 'agent', 'network', 'cli', 'pki']),
  ...layer(['src/agent/**/*.ts'], ['store', 'apiserver', 'scheduler', 'controllers', 'cli'], ['src/agent/**/*.int.test.ts']),
  // The node's network code (CNI config, routes, proxy) reads the API only.
  ...layer(['src/network/**/*.ts'], ['store', 'apiserver', 'scheduler', 'controllers', 'agent', 'runtime', 'cli', 'pki'], ['src/network/**/*.int.test.ts']),
);
