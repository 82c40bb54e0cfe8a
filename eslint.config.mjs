import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'menus/*.schema.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  { files: ['src/**/cli/*.ts', 'src/**/cli.ts', 'src/cli-options.ts', 'bench/**/*.ts'], rules: { 'no-console': 'off' } },
  // Browser modules: `tsc -p tsconfig.web.json` checks every name against the DOM's own types.
  { files: ['web/**/*.js'], languageOptions: { sourceType: 'module' }, rules: { 'no-undef': 'off' } },
  { files: ['*.js', '*.mjs', '.dependency-cruiser.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } } },
  // Root config files (jest's) are CommonJS, which loads with require().
  { files: ['*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
