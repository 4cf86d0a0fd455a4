// Lint: eslint with typescript-eslint over the TypeScript sources and the build scripts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.nr5/**', '.demo/**', 'test-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Node-RED loads node modules with require(); tests load them the same way.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Error codes come from their tables in lib/error-codes.ts, never as a string: a code
    // written out can drift from the table, the log help and the tests.
    files: ['lib/**/*.ts', 'nodes/**/*.ts'],
    ignores: ['lib/error-codes.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'NewExpression[callee.name=/^(Sync|Exchange)Error$/][arguments.0.type=/^(Literal|TemplateLiteral)$/]',
          message: 'Give the error code as a constant of lib/error-codes.ts, not as a string.',
        },
        {
          selector: "CallExpression[callee.object.name='ctx'][callee.property.name=/^(warn|error)$/][arguments.0.type=/^(Literal|TemplateLiteral)$/]",
          message: 'Give the error code as a constant of lib/error-codes.ts (MappingCode), not as a string.',
        },
        {
          selector: 'Literal[value=/^(BUERO|MAPPING|EXCHANGE|WRITER|STATE|NODE)_[A-Z0-9_]+$/]',
          message: 'Use the constant of lib/error-codes.ts for this error code.',
        },
      ],
    },
  },
  {
    // Editor code Node-RED serves from resources/ (a plain browser script, jQuery as $).
    files: ['resources/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, $: 'readonly', RED: 'readonly' } },
  },
  {
    files: ['scripts/**/*.js', '.ci/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
