// ESLint flat config: JavaScript's recommended rules, typescript-eslint's and Vue's.
import js from '@eslint/js'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'e2e/screenshots/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
  },
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      // The token lives in memory only: web storage is off limits everywhere in the app.
      'no-restricted-globals': [
        'error',
        { name: 'localStorage', message: 'Tokens and user data stay in memory (see README).' },
        { name: 'sessionStorage', message: 'Tokens and user data stay in memory (see README).' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'window', property: 'localStorage', message: 'Tokens and user data stay in memory.' },
        { object: 'window', property: 'sessionStorage', message: 'Tokens and user data stay in memory.' },
      ],
      // Layout of templates is left to the author (no formatter is imposed); correctness rules stay.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/require-default-prop': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/no-v-html': 'error',
    },
  },
  {
    files: ['*.config.{js,ts}', 'vite.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src/**/*.test.ts', 'src/testing/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The browser end-to-end script runs under Node and reports its steps on the console.
    files: ['e2e/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-console': 'off' },
  },
)
