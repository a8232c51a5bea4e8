// Lint: typescript-eslint with type-aware rules; the async rules catch the
// commonest daemon bug (a promise nobody awaits in a watch or reconcile loop).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', 'src/api/generated/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
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
  {
    files: ['src/api/**/*.ts', 'src/pki/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['../*/**', '../../*'], message: 'api/ and pki/ import nothing of the project' },
      ] }],
    },
  },
);
