// ESLint (flat config): rules that catch bugs, not taste. Formatting is Prettier's (npm run format).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'apps/web/src/api/schema.d.ts', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...vue.configs['flat/essential'],
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'apps/server/drizzle.config.ts', 'scripts/*.test.ts', 'scripts/lib/*.d.ts'] },
        tsconfigRootDir: import.meta.dirname,
        parser: tseslint.parser,
        extraFileExtensions: ['.vue'],
      },
    },
    rules: {
      // A promise nobody awaits loses its error: mark the intended ones with `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Fastify passes its decorators (`preHandler: app.requireAdmin`) as plain functions on purpose.
      '@typescript-eslint/unbound-method': 'off',
      // An async function without await still returns a promise, which is what its callers expect.
      '@typescript-eslint/require-await': 'off',
      // Taste, not bugs: an assertion the checker finds redundant is harmless.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Tests read untyped JSON answers and socket payloads: `any` is what they are.
    files: ['**/*.test.ts', '**/test-support/**', 'apps/web/e2e/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Single-file components' types are vue-tsc's (npm run typecheck): typescript-eslint cannot
    // resolve a .vue import, so its unsafe-any rules would flag every component reference.
    files: ['**/*.vue', 'apps/web/src/main.ts', 'apps/web/src/router.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
    },
  },
  {
    // Plain JavaScript (benchmarks, scripts, configs) has no types to check.
    files: ['**/*.js', '**/*.mjs', 'vitest.config.ts', 'apps/server/drizzle.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
